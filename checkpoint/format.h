/* The checkpoint file format: the one place for the magic, the format version,
 * the header layout, the frame sizes and the record type tags. Constants only;
 * docs/checkpoint-format.md draws the same bytes. Changing anything here that
 * reaches the disk means a new CKPT_VERSION and explicit upgrade code in
 * header.c. All integers on disk are little-endian. */
#ifndef CKPT_FORMAT_H
#define CKPT_FORMAT_H

/* "\x89CDZ\r\n\x1a\n": a high byte first so the file is never taken for text,
 * then CR LF and ^Z so a newline-mangling or text-mode copy is caught at once
 * (the PNG trick). */
#define CKPT_MAGIC "\x89" "CDZ\r\n\x1a\n"
#define CKPT_MAGIC_BYTES 8

/* The format this build writes, and the newest it reads. */
#define CKPT_VERSION 1u

/* Header, version 1: fixed size, public, bound to every frame as additional
 * data and covered by the key-check MAC. Byte offsets: */
enum {
    CKPT_OFF_MAGIC = 0,         /* 8 bytes, CKPT_MAGIC */
    CKPT_OFF_VERSION = 8,       /* u32 format version */
    CKPT_OFF_HEADER_BYTES = 12, /* u32 header size (120 in version 1) */
    CKPT_OFF_KDF = 16,          /* u32 key derivation: CKPT_KDF_ARGON2ID13 */
    CKPT_OFF_FRAME = 20,        /* u32 plaintext bytes per full frame */
    CKPT_OFF_OPSLIMIT = 24,     /* u64 Argon2id passes */
    CKPT_OFF_MEMLIMIT = 32,     /* u64 Argon2id memory, bytes */
    CKPT_OFF_SALT = 40,         /* 16 bytes, random per key (see key.h) */
    CKPT_OFF_BODY = 56,         /* u64 plaintext body bytes */
    CKPT_OFF_STREAM = 64,       /* 24 bytes, secretstream header (random nonce) */
    CKPT_OFF_CHECK = 88,        /* 32 bytes, HMAC-SHA512/256 of bytes 0..87 */
    CKPT_HEADER_BYTES = 120
};

#define CKPT_SALT_BYTES 16
#define CKPT_STREAM_HEADER_BYTES 24
#define CKPT_CHECK_BYTES 32
/* Bytes each encrypted frame adds (secretstream's tag byte and MAC). */
#define CKPT_FRAME_OVERHEAD 17

#define CKPT_KDF_ARGON2ID13 1u

/* Plaintext bytes per frame. Bounded so a reader never needs a large buffer
 * for one frame and a damaged frame is found before much is read. */
#define CKPT_FRAME_DEFAULT (64u * 1024u)
#define CKPT_FRAME_MIN 16u
#define CKPT_FRAME_MAX (1024u * 1024u)

/* Largest body this version reads or writes (256 TiB): keeps every size
 * computation far from overflow. */
#define CKPT_BODY_MAX ((unsigned long long)1 << 48)

/* Body limits: records per file and bytes per record name. */
#define CKPT_RECORDS_MAX 65536u
#define CKPT_NAME_MAX 255u

/* Record type tags (u32 on disk). Payloads are opaque to the container; each
 * engine object serialises itself (core/bytes.h). */
typedef enum ckpt_type {
    CKPT_TYPE_DATASET = 1,   /* dataset metadata and split */
    CKPT_TYPE_EXPERTS = 2,   /* expert trajectories */
    CKPT_TYPE_SURROGATE = 3, /* Bezier control points */
    CKPT_TYPE_SYNTHETIC = 4, /* synthetic set with its learned rate */
    CKPT_TYPE_MODEL = 5,     /* a model's parameters */
    CKPT_TYPE_RUN = 6,       /* a resumable distillation state */
    CKPT_TYPE_RESULT = 7,    /* an evaluation result */
    CKPT_TYPE_GENERATOR = 8, /* a generative prior G */
    CKPT_TYPE_SESSION = 9,   /* session-level state (kernel's choice of content) */
} ckpt_type;

#define CKPT_TYPE_FIRST 1
#define CKPT_TYPE_LAST 9

#endif
