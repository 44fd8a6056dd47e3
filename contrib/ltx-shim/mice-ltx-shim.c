/* SPDX-License-Identifier: Apache-2.0 */
/* M-ICE: Modular Intrusion Detection and Countermeasure Environment */

/*
 * mice-ltx-shim: runs an original-style M-ICE module (a libtool shared object exporting
 * <name>_LTX_init, <name>_LTX_func and <name>_LTX_close) as a module of the new host.
 *
 *   mice-ltx-shim --kind filter --module ./mice_mod_flt_regex.so [--modname NAME] [--conffile PATH]
 *
 * CONFIGURE stands for init(conffile): the shim loads the shared object, writes the config's
 * "conffileText" to a temporary file (or takes the file named by "conffile", or an empty one) and
 * calls init with its path; READY carries what init returned. Each CALL is one call of func with
 * exactly the original arguments (shared/spec/mice-original.md section 7.3.0); SHUTDOWN calls
 * close. Config keys (overriding the options): module, modname, conffile, conffileText,
 * decodedSize.
 */

#define _GNU_SOURCE
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mice_plugin.h"

/* Longest reaction argument: MAX_ARGSTRG_SIZE of the original (a char[1025] field). */
#define MAX_ARGUMENT_BYTES 1024u

enum kind { KIND_UNKNOWN, KIND_FORMAT, KIND_FILTER, KIND_PSEUDONYMIZER, KIND_DECODING, KIND_POSTPROCESSING, KIND_REACTION };

/* The original entry points, per module kind. */
typedef int (*int_init_fn)(char *conffile);
typedef size_t (*size_init_fn)(char *conffile);
typedef int (*format_fn)(void *out, char *data, size_t len, unsigned int file_type);
typedef int (*record_fn)(void *record, unsigned int file_type);
typedef char *(*decode_fn)(char *record, size_t size);
typedef int (*buffer_fn)(char *data, size_t size);
typedef int (*close_module_fn)(void);

static struct {
    const char *kind_option;
    const char *module_option;
    const char *modname_option;
    const char *conffile_option;

    enum kind kind;
    void *handle;
    void *init;
    void *func;
    void *close;
    char modname[256];
    char conffile[PATH_MAX];
    int conffile_is_temporary;
    size_t record_size;   /* LogFormat size of the link's layout */
    size_t init_size;     /* decoding / postprocessing: the record size init returned */
    size_t decoded_size;  /* decoding: bytes of the record func returns */
    unsigned char *buffer;
    size_t buffer_size;
    unsigned char *scratch;
    size_t scratch_size;
} shim;

static enum kind parse_kind(const char *text) {
    static const struct {
        const char *name;
        enum kind kind;
    } kinds[] = {{"format", KIND_FORMAT},     {"filter", KIND_FILTER},
                 {"pseudonymizer", KIND_PSEUDONYMIZER}, {"decoding", KIND_DECODING},
                 {"postprocessing", KIND_POSTPROCESSING}, {"reaction", KIND_REACTION}};
    if (text == NULL) return KIND_UNKNOWN;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(text, kinds[i].name) == 0) return kinds[i].kind;
    }
    return KIND_UNKNOWN;
}

/* A zeroed buffer of at least `size` bytes (+1 so a C string in it stays terminated). */
static unsigned char *buffer_of(unsigned char **buffer, size_t *have, size_t size) {
    if (*have < size + 1) {
        free(*buffer);
        *buffer = malloc(size + 1);
        *have = *buffer ? size + 1 : 0;
        if (*buffer == NULL) return NULL;
    }
    memset(*buffer, 0, size + 1);
    return *buffer;
}

/* MARK: - Configuration */

static int fail(char *err, size_t errlen, const char *key, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, const char *key, const char *format, ...) {
    int at = snprintf(err, errlen, "config key \"%s\": ", key);
    if (at < 0 || (size_t)at >= errlen) return -1;
    va_list args;
    va_start(args, format);
    vsnprintf(err + at, errlen - (size_t)at, format, args);
    va_end(args);
    return -1;
}

/* `path` relative to the plugin's folder (the working directory the host gives us). */
static void resolve_path(const char *path, const char *directory, char *out, size_t outlen) {
    if (path[0] == '/' ) {
        snprintf(out, outlen, "%s", path);
    } else if (directory != NULL && directory[0] != '\0') {
        snprintf(out, outlen, "%s/%s", directory, path);
    } else {
        snprintf(out, outlen, "./%s", path);
    }
}

/* The libtool module name: base name up to the first dot, other characters than [A-Za-z0-9_] as _. */
static void derive_modname(const char *path, char *out, size_t outlen) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t i = 0;
    for (; base[i] != '\0' && base[i] != '.' && i + 1 < outlen; i++) {
        unsigned char c = (unsigned char)base[i];
        out[i] = (char)(isalnum(c) ? c : '_');
    }
    out[i] = '\0';
}

static const char *string_member(json_t *config, const char *key, const char *fallback, int *bad) {
    json_t *value = json_object_get(config, key);
    if (value == NULL || json_is_null(value)) return fallback;
    if (!json_is_string(value)) {
        *bad = 1;
        return NULL;
    }
    return json_string_value(value);
}

static int write_conffile(const char *text, size_t len, const mice_context *ctx, char *err, size_t errlen) {
    const char *directory = ctx->state_directory;
    if (directory == NULL || directory[0] == '\0') directory = getenv("TMPDIR");
    if (directory == NULL || directory[0] == '\0') directory = "/tmp";
    snprintf(shim.conffile, sizeof shim.conffile, "%s/mice-ltx-shim-XXXXXX.conf", directory);
    int fd = mkstemps(shim.conffile, 5);
    if (fd < 0) return fail(err, errlen, "conffileText", "cannot create %s: %s", shim.conffile, strerror(errno));
    shim.conffile_is_temporary = 1;
    size_t done = 0;
    while (done < len) {
        ssize_t written = write(fd, text + done, len - done);
        if (written < 0) {
            if (errno == EINTR) continue;
            close(fd);
            return fail(err, errlen, "conffileText", "cannot write %s: %s", shim.conffile, strerror(errno));
        }
        done += (size_t)written;
    }
    close(fd);
    return 0;
}

static void remove_conffile(void) {
    if (shim.conffile_is_temporary) {
        unlink(shim.conffile);
        shim.conffile_is_temporary = 0;
    }
}

static void *symbol(const char *name) {
    char full[300];
    snprintf(full, sizeof full, "%s_LTX_%s", shim.modname, name);
    dlerror();
    return dlsym(shim.handle, full);
}

static int configure(const mice_context *ctx, json_t *config, long *init_value, char *err, size_t errlen) {
    int bad = 0;
    shim.kind = parse_kind(ctx->kind);
    if (shim.kind == KIND_UNKNOWN) return fail(err, errlen, "kind", "the shim hosts format, filter, pseudonymizer, decoding, postprocessing and reaction modules, not \"%s\"", ctx->kind ? ctx->kind : "");
    if (shim.kind_option && parse_kind(shim.kind_option) != shim.kind)
        return fail(err, errlen, "kind", "--kind %s, but the plugin is a %s", shim.kind_option, ctx->kind);
    if (!json_is_object(config)) return fail(err, errlen, "config", "must be an object");

    const char *module = string_member(config, "module", shim.module_option, &bad);
    if (bad) return fail(err, errlen, "module", "must be a string");
    if (module == NULL || module[0] == '\0') return fail(err, errlen, "module", "no shared object given (--module PATH or config \"module\")");
    const char *modname = string_member(config, "modname", shim.modname_option, &bad);
    if (bad) return fail(err, errlen, "modname", "must be a string");
    const char *conffile = string_member(config, "conffile", shim.conffile_option, &bad);
    if (bad) return fail(err, errlen, "conffile", "must be a string (a path)");
    json_t *text = json_object_get(config, "conffileText");
    if (text != NULL && !json_is_null(text) && !json_is_string(text))
        return fail(err, errlen, "conffileText", "must be a string (the INI text of the module's config file)");

    shim.record_size = ctx->record_size;
    if (shim.record_size == 0) return fail(err, errlen, "layout", "unknown LogFormat layout \"%s\"", ctx->layout);
    shim.decoded_size = shim.record_size;
    json_t *decoded = json_object_get(config, "decodedSize");
    if (decoded != NULL && !json_is_null(decoded)) {
        json_int_t value = json_is_integer(decoded) ? json_integer_value(decoded) : -1;
        if (value <= 0 || (size_t)value + 4 > ctx->max_frame_bytes)
            return fail(err, errlen, "decodedSize", "must be an integer from 1 to %zu", ctx->max_frame_bytes - 4);
        shim.decoded_size = (size_t)value;
    }

    char path[PATH_MAX];
    resolve_path(module, ctx->directory, path, sizeof path);
    if (modname != NULL && modname[0] != '\0') {
        snprintf(shim.modname, sizeof shim.modname, "%s", modname);
    } else {
        derive_modname(path, shim.modname, sizeof shim.modname);
    }
    shim.handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (shim.handle == NULL) return fail(err, errlen, "module", "cannot load %s: %s", path, dlerror());
    shim.init = symbol("init");
    shim.func = symbol("func");
    shim.close = symbol("close");
    if (shim.init == NULL || shim.func == NULL)
        return fail(err, errlen, "modname", "%s exports no %s_LTX_init / %s_LTX_func", path, shim.modname, shim.modname);
    if (shim.close == NULL) mice_log_warning("%s exports no %s_LTX_close; close is skipped", path, shim.modname);

    if (text != NULL && json_is_string(text)) {
        if (write_conffile(json_string_value(text), json_string_length(text), ctx, err, errlen) != 0) return -1;
    } else if (conffile != NULL && conffile[0] != '\0') {
        resolve_path(conffile, ctx->directory, shim.conffile, sizeof shim.conffile);
        if (access(shim.conffile, R_OK) != 0)
            return fail(err, errlen, "conffile", "cannot read %s: %s", shim.conffile, strerror(errno));
    } else if (write_conffile("", 0, ctx, err, errlen) != 0) {
        return -1;
    }

    /* init gets a writable copy: the original prototype is char *, not const char *. */
    char argument[PATH_MAX];
    snprintf(argument, sizeof argument, "%s", shim.conffile);
    long value;
    if (shim.kind == KIND_DECODING || shim.kind == KIND_POSTPROCESSING) {
        size_t size = ((size_init_fn)shim.init)(argument);
        value = size > (size_t)LONG_MAX ? -1 : (long)size;
        shim.init_size = value > 0 && (size_t)value <= MICE_HARD_MAX_FRAME_BYTES ? (size_t)value : 0;
    } else {
        value = ((int_init_fn)shim.init)(argument);
    }
    if (value < 0) {
        remove_conffile();
        return fail(err, errlen, "conffile", "%s_LTX_init(\"%s\") returned %ld", shim.modname, shim.conffile, value);
    }
    *init_value = value;
    mice_log_info("loaded %s (%s_LTX_*), init(\"%s\") = %ld", path, shim.modname, shim.conffile, value);
    return 0;
}

/* MARK: - Calls */

static int call(const mice_call *c, mice_reply *reply) {
    unsigned char *buffer;
    int value;
    switch (shim.kind) {
    case KIND_FORMAT: {
        /* int func(LogFormat *out, char *data, size_t len, u_int fileType): zeroed record, the line
         * NUL-terminated. */
        unsigned char *record = buffer_of(&shim.scratch, &shim.scratch_size, shim.record_size);
        buffer = buffer_of(&shim.buffer, &shim.buffer_size, c->len);
        if (record == NULL || buffer == NULL) break;
        memcpy(buffer, c->data, c->len);
        value = ((format_fn)shim.func)(record, (char *)buffer, c->len, c->file_type);
        if (value == 0) mice_reply_append(reply, record, shim.record_size);
        return value;
    }
    case KIND_FILTER:
    case KIND_PSEUDONYMIZER:
        /* int func(LogFormat *rec, u_int fileType) on a copy of the record. */
        if (c->len != shim.record_size) {
            mice_reply_error(reply, MICE_ERR_BAD_CALL, "record of %zu bytes, the link's layout has %zu", c->len,
                             shim.record_size);
            return 0;
        }
        buffer = buffer_of(&shim.buffer, &shim.buffer_size, c->len);
        if (buffer == NULL) break;
        memcpy(buffer, c->data, c->len);
        value = ((record_fn)shim.func)(buffer, c->file_type);
        if (shim.kind == KIND_PSEUDONYMIZER && memcmp(buffer, c->data, c->len) != 0)
            mice_reply_append(reply, buffer, c->len);
        return value;
    case KIND_DECODING: {
        /* char *func(char *record, size_t size): the returned record, or NULL = drop. The input
         * buffer is padded to the size init announced, so a short record cannot be over-read. */
        buffer = buffer_of(&shim.buffer, &shim.buffer_size, c->len > shim.init_size ? c->len : shim.init_size);
        if (buffer == NULL) break;
        memcpy(buffer, c->data, c->len);
        char *decoded = ((decode_fn)shim.func)((char *)buffer, c->len);
        if (decoded == NULL) return -1;
        mice_reply_append(reply, decoded, shim.decoded_size);
        return 0;
    }
    case KIND_POSTPROCESSING:
        /* int func(char *decoded, size_t size) */
        buffer = buffer_of(&shim.buffer, &shim.buffer_size, c->len > shim.init_size ? c->len : shim.init_size);
        if (buffer == NULL) break;
        memcpy(buffer, c->data, c->len);
        return ((buffer_fn)shim.func)((char *)buffer, c->len);
    case KIND_REACTION:
        /* int func(char *arg, size_t argLen): a NUL-terminated char[1025] as in stExecMsg. */
        if (c->len > MAX_ARGUMENT_BYTES) {
            mice_reply_error(reply, MICE_ERR_BAD_CALL, "argument of %zu bytes, at most %u", c->len,
                             MAX_ARGUMENT_BYTES);
            return 0;
        }
        buffer = buffer_of(&shim.buffer, &shim.buffer_size, MAX_ARGUMENT_BYTES);
        if (buffer == NULL) break;
        memcpy(buffer, c->data, c->len);
        return ((buffer_fn)shim.func)((char *)buffer, c->len);
    case KIND_UNKNOWN:
        break;
    }
    mice_reply_error(reply, MICE_ERR_INTERNAL, "out of memory");
    return 0;
}

static void close_module(void) {
    if (shim.close != NULL) {
        int value = ((close_module_fn)shim.close)();
        if (value < 0) mice_log_warning("%s_LTX_close() returned %d", shim.modname, value);
    }
    remove_conffile();
    /* The shared object stays mapped: an original module may have registered atexit handlers. */
}

/* MARK: - Main */

static void usage(FILE *out) {
    fprintf(out,
            "usage: mice-ltx-shim [--kind KIND] --module PATH.so [--modname NAME] [--conffile PATH]\n"
            "Runs an original M-ICE module (<name>_LTX_init/func/close) as a module of the M-ICE host;\n"
            "it is started by the host from a plugin.json, not by hand (docs/plugin-protocol.md).\n"
            "  --kind KIND       format, filter, pseudonymizer, decoding, postprocessing or reaction\n"
            "                    (default: MICE_PLUGIN_KIND)\n"
            "  --module PATH     the shared object; relative to the plugin folder (config \"module\")\n"
            "  --modname NAME    symbol prefix (default: the file's base name up to the first dot)\n"
            "  --conffile PATH   the file init() gets (config \"conffile\"; \"conffileText\" = its text)\n");
}

int main(int argc, char **argv) {
    static const struct option options[] = {{"kind", required_argument, NULL, 'k'},
                                            {"module", required_argument, NULL, 'm'},
                                            {"modname", required_argument, NULL, 'n'},
                                            {"conffile", required_argument, NULL, 'c'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    int option;
    while ((option = getopt_long(argc, argv, "k:m:n:c:h", options, NULL)) != -1) {
        switch (option) {
        case 'k': shim.kind_option = optarg; break;
        case 'm': shim.module_option = optarg; break;
        case 'n': shim.modname_option = optarg; break;
        case 'c': shim.conffile_option = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return MICE_EXIT_CONFIG;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "E! mice-ltx-shim: unexpected argument \"%s\"\n", argv[optind]);
        return MICE_EXIT_CONFIG;
    }
    if (shim.kind_option && parse_kind(shim.kind_option) == KIND_UNKNOWN) {
        fprintf(stderr, "E! mice-ltx-shim: unknown --kind \"%s\"\n", shim.kind_option);
        return MICE_EXIT_CONFIG;
    }
    const char *name = getenv("MICE_PLUGIN_NAME");
    int code = mice_plugin_run(name ? name : "mice-ltx-shim", MICE_PLUGIN_SDK_VERSION, configure, call, close_module);
    remove_conffile();
    free(shim.buffer);
    free(shim.scratch);
    return code;
}
