/* Deterministic reductions on the device: each thread sums a fixed strided
 * subset in index order, then the block adds the thread sums in a fixed tree;
 * a full vector is reduced by a fixed number of blocks (a function of n only)
 * whose partial sums one block adds the same way. Sums run in double, like
 * the CPU backend's. The same inputs give the same bits on the same device,
 * whatever the scheduling: no atomics anywhere. Device code only. */
#ifndef CZ_CUDA_REDUCE_CUH
#define CZ_CUDA_REDUCE_CUH

#include "cuda_internal.cuh"

/* Sums K values over the block in place (every thread gets the totals).
 * Every thread of the block must call it; blockDim.x == CUDA_THREADS. */
template <int K>
__device__ __forceinline__ void block_sum(double *v)
{
    __shared__ double sh[K][CUDA_THREADS];
    const int t = threadIdx.x;
    __syncthreads(); /* readers of an earlier call are done */
    for (int k = 0; k < K; k++)
        sh[k][t] = v[k];
    __syncthreads();
    for (int s = CUDA_THREADS / 2; s > 0; s >>= 1) {
        if (t < s)
            for (int k = 0; k < K; k++)
                sh[k][t] += sh[k][t + s];
        __syncthreads();
    }
    for (int k = 0; k < K; k++)
        v[k] = sh[k][0];
}

/* First pass: partials[block] = sum of f(i) over the block's share of [0, n). */
template <class F>
__global__ void reduce_pass1(int64_t n, F f, double *partials)
{
    double v[1] = {0.0};
    const int64_t step = (int64_t)gridDim.x * blockDim.x;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step)
        v[0] += f(i);
    block_sum<1>(v);
    if (threadIdx.x == 0)
        partials[blockIdx.x] = v[0];
}

/* sum_{i < n} f(i) on the host (waits for the stream). f is a device functor. */
template <class F>
double cuda_sum(cuda_ctx *c, int64_t n, F f, const char *name)
{
    if (n <= 0)
        return 0.0;
    int64_t want = (n + CUDA_THREADS - 1) / CUDA_THREADS;
    unsigned blocks = (unsigned)(want < CUDA_REDUCE_BLOCKS ? want : CUDA_REDUCE_BLOCKS);
    reduce_pass1<<<blocks, CUDA_THREADS, 0, c->stream>>>(n, f, c->red);
    if (!CUDA_LAUNCHED(c, name))
        return __builtin_nan("");
    return cuda_finish_sum(c, blocks);
}

#endif
