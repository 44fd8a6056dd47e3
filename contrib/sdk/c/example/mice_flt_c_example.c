/* SPDX-License-Identifier: Apache-2.0 */
/* M-ICE: Modular Intrusion Detection and Countermeasure Environment */

/*
 * Example filter module on the C SDK: drops records whose log data contains the configured
 * text (config "pattern", default "DROPME"); keeps the others. A record of the wrong size for
 * the link's layout is answered with ERROR 3.
 */

#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mice_plugin.h"

static char *pattern;
static size_t pattern_len;
static size_t record_size;
static unsigned long calls, dropped;

static int configure(const mice_context *ctx, json_t *config, long *init_value, char *err, size_t errlen) {
    json_t *value = json_object_get(config, "pattern");
    const char *text = "DROPME";
    if (value != NULL) {
        if (!json_is_string(value) || json_string_length(value) == 0) {
            snprintf(err, errlen, "config key \"pattern\": must be a non-empty string");
            return -1;
        }
        text = json_string_value(value);
    }
    if (ctx->record_size == 0) {
        snprintf(err, errlen, "config key \"layout\": unknown LogFormat layout \"%s\"", ctx->layout);
        return -1;
    }
    pattern = strdup(text);
    pattern_len = strlen(text);
    record_size = ctx->record_size;
    *init_value = 0;
    mice_log_info("dropping records containing \"%s\" (layout %s)", pattern, ctx->layout);
    return 0;
}

static int call(const mice_call *c, mice_reply *reply) {
    if (c->len != record_size) {
        mice_reply_error(reply, MICE_ERR_BAD_CALL, "record of %zu bytes, expected %zu", c->len, record_size);
        return 0;
    }
    size_t len;
    const char *data = mice_logdata(c->data, c->len, &len);
    calls++;
    if (memmem(data, len, pattern, pattern_len) != NULL) {
        dropped++;
        return 1;
    }
    return 0;
}

static void close_module(void) {
    mice_log_info("%lu calls, %lu records dropped", calls, dropped);
    free(pattern);
}

int main(void) { return mice_plugin_run("mice-flt-c-example", "1.0.0", configure, call, close_module); }
