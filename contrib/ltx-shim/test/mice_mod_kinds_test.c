/* SPDX-License-Identifier: Apache-2.0 */
/* M-ICE: Modular Intrusion Detection and Countermeasure Environment */

/*
 * Original-style modules of every other kind in one shared object, for the tests of
 * mice-ltx-shim (select one with --modname). Records use the seed LogFormat layout (1688 bytes):
 *
 *   fmt_test  format:         fills cHost "testhost" and cLogLine with the line; drops empty lines (-1)
 *   psd_test  pseudonymizer:  replaces every digit of cLogLine with 'X' (rewritten record)
 *   dec_test  decoding:       init returns 1712 (a plaintext CipherMsg); returns the record inside
 *                             when IVLen is 0, NULL otherwise
 *   pop_test  postprocessing: init returns 1688; returns 0 for a 1688-byte record, -1 otherwise
 *   rct_test  reaction:       init returns 1 (one argument); returns strlen(arg), -1 for "fail"
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#define RECORD_SIZE 1688
#define LOGLINE_OFFSET 662
#define LOGLINE_SIZE 1024
#define CIPHER_HEADER 24

int fmt_test_LTX_init(char *conffile);
int fmt_test_LTX_func(char *out, char *data, size_t len, u_int fileType);
int fmt_test_LTX_close(void);
int psd_test_LTX_init(char *conffile);
int psd_test_LTX_func(char *rec, u_int fileType);
int psd_test_LTX_close(void);
size_t dec_test_LTX_init(char *conffile);
char *dec_test_LTX_func(char *record, size_t size);
int dec_test_LTX_close(void);
size_t pop_test_LTX_init(char *conffile);
int pop_test_LTX_func(char *decoded, size_t size);
int pop_test_LTX_close(void);
int rct_test_LTX_init(char *conffile);
int rct_test_LTX_func(char *arg, size_t argLen);
int rct_test_LTX_close(void);

static void said(const char *what, const char *conffile) {
    fprintf(stderr, "I! mice_mod_kinds_test: %s(\"%s\")\n", what, conffile ? conffile : "");
}

int fmt_test_LTX_init(char *conffile) { said("fmt_test init", conffile); return 0; }
int fmt_test_LTX_func(char *out, char *data, size_t len, u_int fileType) {
    (void)fileType;
    if (len == 0 || data[0] == '\0') return -1;
    memcpy(out, "testhost", 8);
    size_t n = len < LOGLINE_SIZE - 1 ? len : LOGLINE_SIZE - 1;
    memcpy(out + LOGLINE_OFFSET, data, n);
    return 0;
}
int fmt_test_LTX_close(void) { said("fmt_test close", NULL); return 0; }

int psd_test_LTX_init(char *conffile) { said("psd_test init", conffile); return 0; }
int psd_test_LTX_func(char *rec, u_int fileType) {
    (void)fileType;
    for (char *p = rec + LOGLINE_OFFSET; p < rec + LOGLINE_OFFSET + LOGLINE_SIZE && *p; p++) {
        if (*p >= '0' && *p <= '9') *p = 'X';
    }
    return 0;
}
int psd_test_LTX_close(void) { said("psd_test close", NULL); return 0; }

size_t dec_test_LTX_init(char *conffile) { said("dec_test init", conffile); return CIPHER_HEADER + RECORD_SIZE; }
char *dec_test_LTX_func(char *record, size_t size) {
    uint32_t iv_len;
    if (size < CIPHER_HEADER + RECORD_SIZE) return NULL;
    memcpy(&iv_len, record, sizeof iv_len);
    return iv_len == 0 ? record + CIPHER_HEADER : NULL;
}
int dec_test_LTX_close(void) { said("dec_test close", NULL); return 0; }

size_t pop_test_LTX_init(char *conffile) { said("pop_test init", conffile); return RECORD_SIZE; }
int pop_test_LTX_func(char *decoded, size_t size) { (void)decoded; return size == RECORD_SIZE ? 0 : -1; }
int pop_test_LTX_close(void) { said("pop_test close", NULL); return 0; }

int rct_test_LTX_init(char *conffile) { said("rct_test init", conffile); return 1; }
int rct_test_LTX_func(char *arg, size_t argLen) {
    (void)argLen;
    return strcmp(arg, "fail") == 0 ? -1 : (int)strlen(arg);
}
int rct_test_LTX_close(void) { said("rct_test close", NULL); return 0; }
