/* SPDX-License-Identifier: Apache-2.0 */
/* M-ICE: Modular Intrusion Detection and Countermeasure Environment */

/*
 * The module side of the M-ICE module protocol (docs/plugin-protocol.md) in C, mirroring the Swift
 * SDK (Sources/MICEPluginKit/PluginRunner.swift): handshake, then a single-threaded, batched frame
 * loop. One read() of up to 256 KiB; every complete frame in it handled in place (call data is
 * not copied); every reply appended to one output buffer; one write() for all of them.
 */

#define _GNU_SOURCE
#include "mice_plugin.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEADER_BYTES 16u
#define READ_CHUNK_BYTES (256u * 1024u)

enum {
    FRAME_HELLO = 1,
    FRAME_CONFIGURE = 2,
    FRAME_READY = 3,
    FRAME_CALL = 4,
    FRAME_REPLY = 5,
    FRAME_ERROR = 6,
    FRAME_PING = 7,
    FRAME_PONG = 8,
    FRAME_SHUTDOWN = 9
};

static const char COOKIE_VALUE[] = "mice-plugin-2c7b1f0e";
static const int SUPPORTED_VERSIONS[] = {1};

struct mice_reply {
    struct session *session;
    size_t header_at;  /* offset of this REPLY's header in the output buffer */
    int failed;
    int error_code;
    char message[512];
};

struct session {
    int out_fd;
    unsigned char *out;
    size_t out_len, out_cap;
    int out_failed;  /* out of memory while building output */
    unsigned char *in;
    size_t in_len, in_cap;
    size_t limit;
    int configured, closed, carries_file_type;
    int version;
    unsigned long unknown_frames;
    json_t *configure_message;
    json_t *config;
    mice_context ctx;
    mice_configure_fn configure;
    mice_call_fn call;
    mice_close_fn close_fn;
    const char *name;
};

/* MARK: - Logging */

static void write_all(int fd, const void *data, size_t len) {
    const unsigned char *bytes = data;
    while (len > 0) {
        ssize_t written = write(fd, bytes, len);
        if (written < 0) {
            if (errno == EINTR) continue;
            return;
        }
        bytes += written;
        len -= (size_t)written;
    }
}

static void log_line(const char *prefix, const char *format, va_list args) {
    char line[4096];
    size_t at = strlen(prefix);
    memcpy(line, prefix, at);
    int count = vsnprintf(line + at, sizeof line - at - 1, format, args);
    if (count < 0) return;
    size_t end = at + ((size_t)count < sizeof line - at - 1 ? (size_t)count : sizeof line - at - 2);
    for (size_t i = at; i < end; i++) {
        if (line[i] == '\n' || line[i] == '\r') line[i] = ' ';
    }
    line[end++] = '\n';
    write_all(2, line, end);
}

#define DEFINE_LOG(function, prefix)                   \
    void function(const char *format, ...) {           \
        va_list args;                                  \
        va_start(args, format);                        \
        log_line(prefix, format, args);                \
        va_end(args);                                  \
    }
DEFINE_LOG(mice_log_error, "E! ")
DEFINE_LOG(mice_log_warning, "W! ")
DEFINE_LOG(mice_log_info, "I! ")
DEFINE_LOG(mice_log_debug, "D! ")

/* MARK: - Byte order */

static void put_be16(unsigned char *p, uint16_t v) {
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void put_be32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void put_be64(unsigned char *p, uint64_t v) {
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

static uint16_t get_be16(const unsigned char *p) { return (uint16_t)((p[0] << 8) | p[1]); }

static uint32_t get_be32(const unsigned char *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t get_be64(const unsigned char *p) { return ((uint64_t)get_be32(p) << 32) | get_be32(p + 4); }

/* MARK: - Output buffer */

static int out_reserve(struct session *s, size_t more) {
    if (s->out_cap - s->out_len >= more) return 0;
    size_t cap = s->out_cap ? s->out_cap : READ_CHUNK_BYTES;
    while (cap - s->out_len < more) cap *= 2;
    unsigned char *grown = realloc(s->out, cap);
    if (grown == NULL) {
        s->out_failed = 1;
        return -1;
    }
    s->out = grown;
    s->out_cap = cap;
    return 0;
}

static void out_header(struct session *s, uint32_t length, uint16_t type, uint64_t id) {
    if (out_reserve(s, HEADER_BYTES) != 0) return;
    unsigned char *p = s->out + s->out_len;
    put_be32(p, length);
    put_be16(p + 4, type);
    put_be16(p + 6, 0);
    put_be64(p + 8, id);
    s->out_len += HEADER_BYTES;
}

static void out_frame(struct session *s, uint16_t type, uint64_t id, const void *payload, size_t len) {
    if (out_reserve(s, HEADER_BYTES + len) != 0) return;
    out_header(s, (uint32_t)len, type, id);
    if (len) memcpy(s->out + s->out_len, payload, len);
    s->out_len += len;
}

static void out_json(struct session *s, uint16_t type, uint64_t id, json_t *message) {
    char *text = message ? json_dumps(message, JSON_COMPACT) : NULL;
    if (text == NULL) {
        out_frame(s, type, id, "{}", 2);
    } else {
        out_frame(s, type, id, text, strlen(text));
        free(text);
    }
    json_decref(message);
}

static void out_error(struct session *s, uint64_t id, int code, const char *message) {
    json_t *text = json_string(message);
    if (text == NULL) {
        /* Not UTF-8: keep the printable ASCII so the JSON stays valid. */
        char clean[512];
        size_t i = 0;
        for (; message[i] != '\0' && i < sizeof clean - 1; i++) {
            unsigned char c = (unsigned char)message[i];
            clean[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
        }
        clean[i] = '\0';
        text = json_string(clean);
    }
    out_json(s, FRAME_ERROR, id, json_pack("{s:i, s:o}", "code", code, "message", text));
}

/* Writes the output buffer out completely; -1 when the host is gone. */
static int flush(struct session *s) {
    size_t done = 0;
    int result = 0;
    while (done < s->out_len) {
        ssize_t written = write(s->out_fd, s->out + done, s->out_len - done);
        if (written < 0) {
            if (errno == EINTR) continue;
            result = -1;
            break;
        }
        done += (size_t)written;
    }
    s->out_len = 0;
    return result;
}

/* MARK: - Replies */

int mice_reply_append(mice_reply *reply, const void *data, size_t len) {
    struct session *s = reply->session;
    if (reply->failed) return -1;
    size_t payload = s->out_len - reply->header_at - HEADER_BYTES;
    if (payload + len > s->limit) {
        mice_reply_error(reply, MICE_ERR_INTERNAL, "reply of %zu bytes is above the frame limit %zu",
                         payload + len, s->limit);
        return -1;
    }
    if (out_reserve(s, len) != 0) {
        mice_reply_error(reply, MICE_ERR_INTERNAL, "out of memory for a reply of %zu bytes", payload + len);
        return -1;
    }
    if (len) memcpy(s->out + s->out_len, data, len);
    s->out_len += len;
    return 0;
}

void mice_reply_error(mice_reply *reply, int code, const char *format, ...) {
    if (reply->failed) return;
    reply->failed = 1;
    reply->error_code = code;
    va_list args;
    va_start(args, format);
    vsnprintf(reply->message, sizeof reply->message, format, args);
    va_end(args);
}

size_t mice_reply_limit(const mice_reply *reply) { return reply->session->limit; }

/* MARK: - Records */

uint16_t mice_checksum(const void *data, size_t len) {
    const unsigned char *p = data;
    uint64_t sum = 0;
    size_t i = 0;
    for (; i + 1 < len; i += 2) sum += (uint32_t)p[i] | ((uint32_t)p[i + 1] << 8);
    if (i < len) sum += p[i];
    while (sum >> 16) sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}

struct layout {
    size_t size, logdata_offset, logdata_size, checksum_offset;
};

static const struct layout *layout_for(size_t size) {
    static const struct layout seed = {MICE_SEED_RECORD_SIZE, MICE_SEED_LOGDATA_OFFSET, MICE_SEED_LOGDATA_SIZE,
                                       MICE_SEED_CHECKSUM_OFFSET};
    static const struct layout v02 = {MICE_V02_RECORD_SIZE, MICE_V02_LOGDATA_OFFSET, MICE_V02_LOGDATA_SIZE,
                                      MICE_V02_CHECKSUM_OFFSET};
    if (size == seed.size) return &seed;
    if (size == v02.size) return &v02;
    return NULL;
}

const char *mice_logdata(const void *record, size_t record_size, size_t *len) {
    const struct layout *layout = layout_for(record_size);
    if (layout == NULL) return NULL;
    const char *field = (const char *)record + layout->logdata_offset;
    const char *nul = memchr(field, 0, layout->logdata_size);
    if (len) *len = nul ? (size_t)(nul - field) : layout->logdata_size;
    return field;
}

int mice_update_checksum(void *record, size_t record_size) {
    const struct layout *layout = layout_for(record_size);
    if (layout == NULL) return -1;
    unsigned char *field = (unsigned char *)record + layout->checksum_offset;
    field[0] = field[1] = 0;
    uint16_t sum = mice_checksum(record, record_size);
    field[0] = (unsigned char)sum;
    field[1] = (unsigned char)(sum >> 8);
    return 0;
}

int mice_checksum_ok(const void *record, size_t record_size) {
    const struct layout *layout = layout_for(record_size);
    if (layout == NULL) return -1;
    unsigned char copy[MICE_V02_RECORD_SIZE];
    memcpy(copy, record, record_size);
    const unsigned char *field = copy + layout->checksum_offset;
    uint16_t stored = (uint16_t)(field[0] | (field[1] << 8));
    mice_update_checksum(copy, record_size);
    return stored == (uint16_t)(field[0] | (field[1] << 8));
}

int mice_set_logdata(void *record, size_t record_size, const void *data, size_t len) {
    const struct layout *layout = layout_for(record_size);
    if (layout == NULL) return -1;
    if (len > layout->logdata_size - 1) len = layout->logdata_size - 1;
    unsigned char *field = (unsigned char *)record + layout->logdata_offset;
    memmove(field, data, len);
    memset(field + len, 0, layout->logdata_size - len);
    return mice_update_checksum(record, record_size);
}

/* MARK: - Handshake */

static int negotiate_version(const char *offered) {
    int best = 0;
    const char *p = offered;
    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end != p) {
            for (size_t i = 0; i < sizeof SUPPORTED_VERSIONS / sizeof SUPPORTED_VERSIONS[0]; i++) {
                if (SUPPORTED_VERSIONS[i] == v && v > best) best = (int)v;
            }
            p = end;
        }
        while (*p && *p != ',') p++;
        if (*p == ',') p++;
    }
    return best;
}

static int valid_kind(const char *kind) {
    static const char *const kinds[] = {"format", "filter", "pseudonymizer", "decoding",
                                        "postprocessing", "reaction", "agent"};
    if (kind == NULL) return 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(kind, kinds[i]) == 0) return 1;
    }
    return 0;
}

static int kind_carries_file_type(const char *kind) {
    return kind && (strcmp(kind, "format") == 0 || strcmp(kind, "filter") == 0 ||
                    strcmp(kind, "pseudonymizer") == 0);
}

static const char *member_string(json_t *object, const char *key, const char *fallback) {
    const char *value = json_string_value(json_object_get(object, key));
    return value ? value : fallback;
}

/* Returns an exit code when the session ends, -1 to go on. */
static int handle_configure(struct session *s, const unsigned char *payload, size_t len) {
    json_error_t error;
    json_t *message = json_loadb((const char *)payload, len, 0, &error);
    if (message == NULL || !json_is_object(message)) {
        char text[300];
        snprintf(text, sizeof text, "CONFIGURE payload is not a JSON object: %s",
                 message ? "not an object" : error.text);
        json_decref(message);
        out_error(s, 0, MICE_ERR_UNEXPECTED_FRAME, text);
        return MICE_EXIT_PROTOCOL;
    }
    s->configure_message = message;
    mice_context *ctx = &s->ctx;
    ctx->name = member_string(message, "name", s->name);
    ctx->kind = member_string(message, "kind", getenv("MICE_PLUGIN_KIND"));
    ctx->layout = member_string(message, "layout", "seed");
    ctx->record_size = strcmp(ctx->layout, "seed") == 0  ? MICE_SEED_RECORD_SIZE
                       : strcmp(ctx->layout, "0.2") == 0 ? MICE_V02_RECORD_SIZE
                                                         : 0;
    ctx->protocol_version = s->version;
    json_t *limit = json_object_get(message, "maxFrameBytes");
    json_int_t negotiated = json_is_integer(limit) ? json_integer_value(limit) : MICE_DEFAULT_MAX_FRAME_BYTES;
    if (negotiated < 0) negotiated = 0;
    if (negotiated > (json_int_t)MICE_HARD_MAX_FRAME_BYTES) negotiated = MICE_HARD_MAX_FRAME_BYTES;
    ctx->max_frame_bytes = (size_t)negotiated;
    ctx->heartbeat_seconds = json_number_value(json_object_get(message, "heartbeatSeconds"));
    ctx->directory = getenv("MICE_PLUGIN_DIR");
    ctx->state_directory = getenv("MICE_PLUGIN_STATE_DIR");
    s->config = json_object_get(message, "config");
    if (s->config == NULL || json_is_null(s->config)) {
        s->config = json_object();
        json_object_set_new(message, "config", s->config);
    }
    ctx->config = s->config;

    long init_value = 0;
    if (s->configure) {
        char err[512] = "";
        if (s->configure(ctx, s->config, &init_value, err, sizeof err) != 0) {
            if (err[0] == '\0') snprintf(err, sizeof err, "configuration rejected by the module");
            out_error(s, 0, MICE_ERR_BAD_CONFIGURATION, err);
            mice_log_error("configuration rejected: %s", err);
            return MICE_EXIT_CONFIG;
        }
    }
    out_json(s, FRAME_READY, 0, json_pack("{s:I}", "init", (json_int_t)init_value));
    s->configured = 1;
    s->carries_file_type = kind_carries_file_type(ctx->kind);
    s->limit = ctx->max_frame_bytes;
    return -1;
}

/* MARK: - Frame loop */

static void handle_call(struct session *s, uint64_t id, const unsigned char *payload, size_t len) {
    mice_call call = {.id = id, .data = payload, .len = len};
    if (s->carries_file_type) {
        if (len < 4) {
            out_error(s, id, MICE_ERR_BAD_CALL, "CALL without the 4-byte file type");
            return;
        }
        call.has_file_type = 1;
        call.file_type = get_be32(payload);
        call.data = payload + 4;
        call.len = len - 4;
    }
    size_t header_at = s->out_len;
    if (out_reserve(s, HEADER_BYTES + 4) != 0) return;
    s->out_len += HEADER_BYTES + 4;
    mice_reply reply = {.session = s, .header_at = header_at};
    int value = s->call(&call, &reply);
    if (reply.failed) {
        s->out_len = header_at;
        out_error(s, id, reply.error_code, reply.message);
        return;
    }
    unsigned char *p = s->out + header_at;
    put_be32(p, (uint32_t)(s->out_len - header_at - HEADER_BYTES));
    put_be16(p + 4, FRAME_REPLY);
    put_be16(p + 6, 0);
    put_be64(p + 8, id);
    put_be32(p + HEADER_BYTES, (uint32_t)value);
}

/* Handles one frame; returns an exit code when the session is over, -1 to go on. */
static int handle_frame(struct session *s, uint16_t type, uint64_t id, const unsigned char *payload,
                        size_t len) {
    if (type == FRAME_CALL && s->configured) {
        handle_call(s, id, payload, len);
        if (s->out_len >= READ_CHUNK_BYTES && flush(s) != 0) return MICE_EXIT_FAILURE;
        return -1;
    }
    switch (type) {
    case FRAME_PING:
        out_header(s, 0, FRAME_PONG, id);
        return -1;
    case FRAME_SHUTDOWN:
        return MICE_EXIT_OK;
    case FRAME_CONFIGURE:
        if (!s->configured) return handle_configure(s, payload, len);
        break;
    case FRAME_ERROR:
        mice_log_error("host reported an error: %.*s", (int)(len > 1000 ? 1000 : len), (const char *)payload);
        return id == 0 ? MICE_EXIT_PROTOCOL : -1;
    case FRAME_HELLO:
    case FRAME_READY:
    case FRAME_CALL:
    case FRAME_REPLY:
    case FRAME_PONG:
        break;
    default:
        s->unknown_frames++;  /* unknown types are counted and ignored (spec section 3, rule 5) */
        return -1;
    }
    char text[100];
    snprintf(text, sizeof text, "frame type %u not valid now", (unsigned)type);
    out_error(s, id, MICE_ERR_UNEXPECTED_FRAME, text);
    return MICE_EXIT_PROTOCOL;
}

/* Checks a header before anything is reserved or waited for; an exit code on violation, else -1. */
static int check_header(struct session *s, const unsigned char *header) {
    uint32_t length = get_be32(header);
    uint16_t flags = get_be16(header + 6);
    char text[160];
    int code;
    if (length > s->limit) {
        snprintf(text, sizeof text, "frame announces %u payload bytes, limit is %zu", length, s->limit);
        code = MICE_ERR_FRAME_TOO_LARGE;
    } else if (flags != 0) {
        snprintf(text, sizeof text, "reserved flags field is 0x%x, must be 0", (unsigned)flags);
        code = MICE_ERR_UNEXPECTED_FRAME;
    } else {
        return -1;
    }
    mice_log_error("protocol error from host: %s", text);
    out_error(s, 0, code, text);
    return MICE_EXIT_PROTOCOL;
}

static int finish(struct session *s, int code) {
    if (s->configured && !s->closed) {
        s->closed = 1;
        if (s->close_fn) s->close_fn();
    }
    flush(s);
    return code;
}

static int claim_stdout(void) {
    fflush(stdout);
    int out = fcntl(1, F_DUPFD_CLOEXEC, 3);
    if (out < 0) return 1;
    dup2(2, 1);
    return out;
}

int mice_plugin_run(const char *name, const char *version, mice_configure_fn configure, mice_call_fn call,
                    mice_close_fn close_fn) {
    signal(SIGPIPE, SIG_IGN);
    if (name == NULL) name = getenv("MICE_PLUGIN_NAME");
    if (name == NULL) name = "mice-module";
    const char *cookie = getenv("MICE_PLUGIN_COOKIE");
    if (cookie == NULL || strcmp(cookie, COOKIE_VALUE) != 0) {
        mice_log_error("%s is an M-ICE module; it is started by the M-ICE daemons or by `micectl plugins run`, "
                       "not by hand (docs/plugin-protocol.md)",
                       name);
        return MICE_EXIT_NOT_STARTED_BY_HOST;
    }
    struct session session = {0};
    struct session *s = &session;
    s->name = name;
    s->configure = configure;
    s->call = call;
    s->close_fn = close_fn;
    s->limit = MICE_DEFAULT_MAX_FRAME_BYTES;
    s->out_fd = claim_stdout();

    const char *offered = getenv("MICE_PLUGIN_PROTOCOL_VERSIONS");
    s->version = negotiate_version(offered ? offered : "1");
    if (s->version == 0) {
        char text[300];
        snprintf(text, sizeof text, "host offers versions [%.200s], module speaks [1]", offered ? offered : "");
        out_error(s, 0, MICE_ERR_INCOMPATIBLE_VERSION, text);
        flush(s);
        free(s->out);
        return MICE_EXIT_PROTOCOL;
    }
    json_t *hello = json_pack("{s:s, s:i, s:s, s:s, s:I, s:[sss]}", "protocol", "mice-plugin", "version",
                              s->version, "name", name, "pluginVersion", version ? version : "1.0.0",
                              "maxFrameBytes", (json_int_t)MICE_DEFAULT_MAX_FRAME_BYTES, "capabilities",
                              "pipelining", "batching", "heartbeat");
    const char *kind = getenv("MICE_PLUGIN_KIND");
    if (hello && valid_kind(kind)) json_object_set_new(hello, "kind", json_string(kind));
    out_json(s, FRAME_HELLO, 0, hello);
    if (flush(s) != 0) {
        free(s->out);
        return MICE_EXIT_FAILURE;
    }

    int code = -1;
    s->in_cap = READ_CHUNK_BYTES;
    s->in = malloc(s->in_cap);
    if (s->in == NULL) return MICE_EXIT_FAILURE;
    while (code < 0) {
        ssize_t count = read(0, s->in + s->in_len, s->in_cap - s->in_len);
        if (count < 0) {
            if (errno == EINTR) continue;
            mice_log_error("reading stdin failed: %s", strerror(errno));
            code = finish(s, MICE_EXIT_FAILURE);
            break;
        }
        if (count == 0) {
            if (s->in_len > 0) mice_log_error("input ended inside a frame (%zu bytes)", s->in_len);
            code = finish(s, MICE_EXIT_OK);
            break;
        }
        s->in_len += (size_t)count;
        size_t pos = 0;
        int done = -1;
        while (done < 0 && s->in_len - pos >= HEADER_BYTES) {
            const unsigned char *header = s->in + pos;
            done = check_header(s, header);
            if (done >= 0) break;
            size_t total = HEADER_BYTES + get_be32(header);
            if (s->in_len - pos < total) break;
            done = handle_frame(s, get_be16(header + 4), get_be64(header + 8), header + HEADER_BYTES,
                                total - HEADER_BYTES);
            pos += total;
        }
        if (s->out_failed) {
            mice_log_error("out of memory");
            done = MICE_EXIT_FAILURE;
        }
        if (done >= 0) {
            code = finish(s, done);
            break;
        }
        if (flush(s) != 0) {
            code = finish(s, MICE_EXIT_FAILURE);
            break;
        }
        /* Keep the incomplete frame at the start of the buffer, grown to hold it whole. */
        if (pos > 0) {
            memmove(s->in, s->in + pos, s->in_len - pos);
            s->in_len -= pos;
        }
        if (s->in_len >= HEADER_BYTES) {
            size_t total = HEADER_BYTES + get_be32(s->in);
            if (total > s->in_cap) {
                unsigned char *grown = realloc(s->in, total);
                if (grown == NULL) {
                    mice_log_error("out of memory for a frame of %zu bytes", total);
                    code = finish(s, MICE_EXIT_FAILURE);
                    break;
                }
                s->in = grown;
                s->in_cap = total;
            }
        } else if (s->in_cap > 4 * READ_CHUNK_BYTES) {
            unsigned char *shrunk = realloc(s->in, READ_CHUNK_BYTES);
            if (shrunk != NULL) {
                s->in = shrunk;
                s->in_cap = READ_CHUNK_BYTES;
            }
        }
    }
    free(s->in);
    free(s->out);
    json_decref(s->configure_message);
    return code;
}
