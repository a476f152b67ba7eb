#!/usr/bin/python3
"""Executes every notebooks/*.ipynb headless with the Condensa kernel from a
build tree and fails when any cell produces an error output (or a notebook
cannot run at all).

    /usr/bin/python3 tests/notebooks/run.py BUILD_DIR NOTEBOOK_DIR [OUT_DIR]

The kernelspec from BUILD_DIR/kernel/kernelspec/condensa is copied into a
temporary JUPYTER_PATH, so it works without `scripts/setup`. Cells run with the
notebook's folder as working directory. Executed copies go to OUT_DIR when given.
Uses nbclient (0.7 in Debian bookworm) through Debian's /usr/bin/python3.
"""
import glob
import os
import shutil
import sys
import tempfile
import time


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    build, nb_dir = sys.argv[1], sys.argv[2]
    out_dir = sys.argv[3] if len(sys.argv) > 3 else None
    spec = os.path.join(build, "kernel", "kernelspec", "condensa")
    if not os.path.isfile(os.path.join(spec, "kernel.json")):
        sys.exit(f"no kernelspec at {spec}: build first")
    root = tempfile.mkdtemp(prefix="condensa-nb-")
    try:
        shutil.copytree(spec, os.path.join(root, "kernels", "condensa"))
        os.environ["JUPYTER_PATH"] = root
        # resume.ipynb reads its checkpoint key with dc.key{env = "CONDENSA_KEY"};
        # users set their own, the headless run uses a test passphrase.
        os.environ.setdefault("CONDENSA_KEY", "condensa notebook test passphrase")
        return run_all(nb_dir, out_dir)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run_all(nb_dir, out_dir):
    import nbformat
    from nbclient import NotebookClient

    paths = sorted(glob.glob(os.path.join(nb_dir, "*.ipynb")))
    if not paths:
        print(f"no notebooks in {nb_dir}")
        return 1
    failed = 0
    for path in paths:
        name = os.path.basename(path)
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, kernel_name="condensa", timeout=600, startup_timeout=60,
                                allow_errors=True,
                                resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
        t0 = time.monotonic()
        try:
            client.execute()
        except Exception as e:  # the kernel died, a timeout, ...
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            failed += 1
            continue
        took = time.monotonic() - t0
        errors = []
        code_cells = 0
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            code_cells += 1
            for out in cell.get("outputs", []):
                if out.output_type == "error":
                    errors.append(f"cell {i} ({cell.source.splitlines()[0] if cell.source else ''}): "
                                  f"{out.ename}: {out.evalue}")
        if out_dir:
            os.makedirs(out_dir, exist_ok=True)
            nbformat.write(nb, os.path.join(out_dir, name))
        if errors:
            failed += 1
            print(f"FAIL {name}: {len(errors)} error output(s)")
            for e in errors:
                print(f"    {e}")
        else:
            print(f"ok   {name}: {code_cells} code cells in {took:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
