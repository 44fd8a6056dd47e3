/* SPDX-License-Identifier: Apache-2.0 */
/* M-ICE: Modular Intrusion Detection and Countermeasure Environment */

/*
 * Write an M-ICE module in C (docs/plugin-protocol.md).
 *
 * The library does the cookie check, the version choice, HELLO, CONFIGURE, READY, the batched
 * frame loop, PING/PONG and SHUTDOWN; the module supplies three functions that stand for the
 * original module API (shared/spec/mice-original.md section 7.3.0):
 *
 *   configure  the original init(conffile): gets the CONFIGURE configuration (jansson), sets the
 *              value init returned (sent in READY), or fails with a message naming the key
 *              (ERROR code 2, exit 78);
 *   call       the original func(): one CALL; returns the original return value and appends
 *              any returned bytes with mice_reply_append(), or answers ERROR with
 *              mice_reply_error();
 *   close      the original close(): SHUTDOWN or end of input.
 *
 *   static int call(const mice_call *c, mice_reply *r) {
 *       return memmem(c->data, c->len, "DROPME", 6) != NULL;    // 1 = drop, 0 = keep
 *   }
 *   int main(void) { return mice_plugin_run("my-filter", "1.0.0", NULL, call, NULL); }
 *
 * Link with libmiceplugin.a and -ljansson. Everything is single-threaded; the loop reads 256 KiB
 * at a time, handles every complete frame of each read in place, and writes the replies to one
 * read with one write().
 */

#ifndef MICE_PLUGIN_H
#define MICE_PLUGIN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MICE_PLUGIN_SDK_VERSION "1.0.0"

/* Exit codes (protocol section 10). */
#define MICE_EXIT_OK 0
#define MICE_EXIT_FAILURE 1
#define MICE_EXIT_NOT_STARTED_BY_HOST 64
#define MICE_EXIT_PROTOCOL 76
#define MICE_EXIT_CONFIG 78

/* ERROR frame codes (protocol section 9); modules may use 100 to 65535. */
#define MICE_ERR_INCOMPATIBLE_VERSION 1
#define MICE_ERR_BAD_CONFIGURATION 2
#define MICE_ERR_BAD_CALL 3
#define MICE_ERR_RETRY_LATER 4
#define MICE_ERR_UNEXPECTED_FRAME 5
#define MICE_ERR_FRAME_TOO_LARGE 6
#define MICE_ERR_INTERNAL 7

/* File types (the u_int fileType argument). */
#define MICE_FTF_UNKNOWN 0u
#define MICE_FTF_FILE 1u
#define MICE_FTF_LAUS 2u
#define MICE_FTF_SCSLOG 3u
#define MICE_FTF_FIREWALL 4u

#define MICE_DEFAULT_MAX_FRAME_BYTES (1u << 20)
#define MICE_HARD_MAX_FRAME_BYTES (16u << 20)

/* LogFormat layouts (spec sections 3.2 and the seed guide): sizes and field offsets. */
#define MICE_SEED_RECORD_SIZE 1688u
#define MICE_SEED_LOGDATA_OFFSET 662u
#define MICE_SEED_LOGDATA_SIZE 1024u
#define MICE_SEED_CHECKSUM_OFFSET 1686u
#define MICE_V02_RECORD_SIZE 6608u
#define MICE_V02_LOGDATA_OFFSET 696u
#define MICE_V02_LOGDATA_SIZE 4096u
#define MICE_V02_CHECKSUM_OFFSET 6604u

/* What CONFIGURE said, plus the module's environment. Valid until the module exits. */
typedef struct mice_context {
    const char *name;            /* the plugin's name (manifest) */
    const char *kind;            /* format, filter, pseudonymizer, decoding, postprocessing, reaction */
    const char *layout;          /* LogFormat layout on this link: "seed" or "0.2" */
    size_t record_size;          /* 1688 (seed), 6608 (0.2), 0 for an unknown layout */
    int protocol_version;        /* negotiated protocol version */
    size_t max_frame_bytes;      /* negotiated payload limit, both directions */
    double heartbeat_seconds;    /* host's idle time before PING, 0 = never */
    const char *directory;       /* MICE_PLUGIN_DIR, or NULL */
    const char *state_directory; /* MICE_PLUGIN_STATE_DIR, or NULL */
    json_t *config;              /* the configuration object (borrowed; valid until exit) */
} mice_context;

/* One call of the original func. `data` points into the input buffer: valid during the call only. */
typedef struct mice_call {
    uint64_t id;                 /* request id of the CALL */
    int has_file_type;           /* 1 for format, filter and pseudonymizer modules */
    uint32_t file_type;          /* the u_int fileType argument (0 when has_file_type is 0) */
    const unsigned char *data;   /* raw line, record or argument string */
    size_t len;
} mice_call;

/* The REPLY being built for one call (opaque). */
typedef struct mice_reply mice_reply;

/* configure: 0 = accepted (set *init_value, default 0); non-zero = rejected, with a message in
 * err (at most errlen bytes, e.g. `config key "rules": must be an array`). `config` is the
 * configuration object (also ctx->config). */
typedef int (*mice_configure_fn)(const mice_context *ctx, json_t *config, long *init_value, char *err,
                                 size_t errlen);
/* call: returns the original return value; the REPLY carries it plus the appended bytes. */
typedef int (*mice_call_fn)(const mice_call *call, mice_reply *reply);
/* close: SHUTDOWN or end of input. */
typedef void (*mice_close_fn)(void);

/* Runs the module until SHUTDOWN or end of input; returns the exit code for main() to return.
 * `name` NULL = MICE_PLUGIN_NAME; `version` NULL = "1.0.0"; `configure` and `close_fn` may be
 * NULL. Call it once. */
int mice_plugin_run(const char *name, const char *version, mice_configure_fn configure, mice_call_fn call,
                    mice_close_fn close_fn);

/* Appends bytes to the REPLY data of the current call; 0 on success, -1 when out of memory or
 * above the frame limit (the call is then answered with ERROR 7). */
int mice_reply_append(mice_reply *reply, const void *data, size_t len);

/* Answers the current call with ERROR `code` instead of a REPLY (the return value of the call
 * function is then ignored). printf-style message. */
void mice_reply_error(mice_reply *reply, int code, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* The negotiated payload limit, for a call that wants to check a reply's size. */
size_t mice_reply_limit(const mice_reply *reply);

/* Log lines to stderr with the prefixes the host maps to levels (E! W! I! D!); a line feed in the
 * message becomes a blank. printf-style. */
void mice_log_error(const char *format, ...) __attribute__((format(printf, 1, 2)));
void mice_log_warning(const char *format, ...) __attribute__((format(printf, 1, 2)));
void mice_log_info(const char *format, ...) __attribute__((format(printf, 1, 2)));
void mice_log_debug(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* The Internet checksum in_chksum of the original (spec section 4): 16-bit little-endian words,
 * one's-complement sum, inverted. Store it little-endian. */
uint16_t mice_checksum(const void *data, size_t len);

/* LogFormat helpers. The layout is chosen by the record size (1688 = seed, 6608 = 0.2); they
 * return -1 (or NULL) for any other size. */
/* The log-data field (cLogLine / cLogdata): pointer and length up to its first NUL. */
const char *mice_logdata(const void *record, size_t record_size, size_t *len);
/* Sets the log-data field (cut to the field size minus one, rest zeroed) and the checksum. */
int mice_set_logdata(void *record, size_t record_size, const void *data, size_t len);
/* Recomputes sChkSum over the whole record with the field zeroed first. */
int mice_update_checksum(void *record, size_t record_size);
/* 1 when the stored sChkSum matches, 0 when not, -1 for a wrong size. */
int mice_checksum_ok(const void *record, size_t record_size);

#ifdef __cplusplus
}
#endif

#endif
