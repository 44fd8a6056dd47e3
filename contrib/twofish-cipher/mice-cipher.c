// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment
//
// mice-cipher: encrypts and decrypts M-ICE cipher envelopes (CipherMsg, CipherIdmefMsg,
// stCipherRctMsg) the way the original C components did, as an independent reference for the
// Swift implementation:
//
//   * libmcrypt, mcrypt_module_open("twofish", NULL, "cfb", NULL) (8-bit CFB);
//   * key = the password truncated or zero-padded to 16 bytes; passwords under 5 bytes refused;
//   * one mcrypt_generic_init per record, one mcrypt_generic / mdecrypt_generic call per byte;
//   * envelope = IVLen (u32, host order) = 16, IV[16], CipherTextLen (u32, host order) = inner
//     size, then the encrypted inner record. IVLen = 0 on input means plaintext.
//
// Unlike the original, random IVs come from getrandom(2), not srand(time(0)).
//
// Usage: mice-cipher encrypt|decrypt --key KEY [--iv HEX32] [--inner-size N] < in > out
// Reads back-to-back records from stdin and writes the results to stdout. Exit status 0 on
// success, 1 on a malformed or truncated record (records before it are written), 2 on a usage
// error.

#define _GNU_SOURCE
#include <errno.h>
#include <mcrypt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

enum { KEY_SIZE = 16, IV_SIZE = 16, HEADER_SIZE = 24, MIN_KEYLEN = 5 };
enum { DEFAULT_INNER_SIZE = 1688, MAX_INNER_SIZE = 1 << 20 };

static void usage(void) {
    fprintf(stderr,
            "usage: mice-cipher encrypt|decrypt --key KEY [--iv HEX32] [--inner-size N] < in > out\n"
            "  --inner-size N  size of the inner record (default %d = seed LogFormat;\n"
            "                  6608 LogFormat 0.2, 10243 IdmefMsgFormat, 20572/41064 stReactionMsg)\n"
            "  --iv HEX32      fixed IV for every record (tests only; default: random per record)\n",
            DEFAULT_INNER_SIZE);
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int parse_iv(const char *text, unsigned char iv[IV_SIZE]) {
    if (strlen(text) != 2 * IV_SIZE) return -1;
    for (int i = 0; i < IV_SIZE; i++) {
        int high = hex_value(text[2 * i]);
        int low = hex_value(text[2 * i + 1]);
        if (high < 0 || low < 0) return -1;
        iv[i] = (unsigned char)(high << 4 | low);
    }
    return 0;
}

// Reads up to `size` bytes; returns the number read (less than `size` only at end of input).
static size_t read_full(unsigned char *buffer, size_t size) {
    size_t total = 0;
    while (total < size) {
        size_t got = fread(buffer + total, 1, size - total, stdin);
        if (got == 0) break;
        total += got;
    }
    return total;
}

static int write_full(const unsigned char *buffer, size_t size) {
    if (fwrite(buffer, 1, size, stdout) != size) {
        fprintf(stderr, "mice-cipher: write failed: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

// Encrypts or decrypts `size` bytes in place, one libmcrypt call per byte as M-ICE did.
static int crypt_record(MCRYPT td, unsigned char key[KEY_SIZE], unsigned char iv[IV_SIZE], unsigned char *data,
                        size_t size, int decrypt) {
    if (mcrypt_generic_init(td, key, KEY_SIZE, iv) < 0) {
        fprintf(stderr, "mice-cipher: mcrypt_generic_init failed\n");
        return -1;
    }
    for (size_t i = 0; i < size; i++) {
        int result = decrypt ? mdecrypt_generic(td, data + i, 1) : mcrypt_generic(td, data + i, 1);
        if (result != 0) {
            fprintf(stderr, "mice-cipher: mcrypt_generic failed\n");
            mcrypt_generic_deinit(td);
            return -1;
        }
    }
    mcrypt_generic_deinit(td);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage();
        return 2;
    }
    int decrypt;
    if (strcmp(argv[1], "encrypt") == 0) {
        decrypt = 0;
    } else if (strcmp(argv[1], "decrypt") == 0) {
        decrypt = 1;
    } else {
        usage();
        return 2;
    }

    const char *password = NULL;
    const char *iv_text = NULL;
    unsigned long inner_size = DEFAULT_INNER_SIZE;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) {
            password = argv[++i];
        } else if (strcmp(argv[i], "--iv") == 0 && i + 1 < argc) {
            iv_text = argv[++i];
        } else if (strcmp(argv[i], "--inner-size") == 0 && i + 1 < argc) {
            char *end = NULL;
            errno = 0;
            inner_size = strtoul(argv[++i], &end, 10);
            if (errno != 0 || end == argv[i] || *end != '\0' || inner_size == 0 || inner_size > MAX_INNER_SIZE) {
                fprintf(stderr, "mice-cipher: bad --inner-size '%s'\n", argv[i]);
                return 2;
            }
        } else {
            usage();
            return 2;
        }
    }
    if (password == NULL) {
        fprintf(stderr, "mice-cipher: --key is required\n");
        return 2;
    }
    if (strlen(password) < MIN_KEYLEN) {
        fprintf(stderr, "mice-cipher: the key must have at least %d characters\n", MIN_KEYLEN);
        return 2;
    }
    unsigned char key[KEY_SIZE] = {0};
    size_t password_length = strlen(password);
    memcpy(key, password, password_length < KEY_SIZE ? password_length : KEY_SIZE);

    unsigned char fixed_iv[IV_SIZE];
    if (iv_text != NULL && parse_iv(iv_text, fixed_iv) != 0) {
        fprintf(stderr, "mice-cipher: --iv needs %d hex digits\n", 2 * IV_SIZE);
        return 2;
    }

    MCRYPT td = mcrypt_module_open("twofish", NULL, "cfb", NULL);
    if (td == MCRYPT_FAILED) {
        fprintf(stderr, "mice-cipher: mcrypt_module_open(twofish, cfb) failed\n");
        return 1;
    }
    if (mcrypt_enc_get_iv_size(td) != IV_SIZE) {
        fprintf(stderr, "mice-cipher: unexpected IV size %d\n", mcrypt_enc_get_iv_size(td));
        mcrypt_module_close(td);
        return 1;
    }

    size_t envelope_size = HEADER_SIZE + inner_size;
    unsigned char *buffer = malloc(envelope_size);
    if (buffer == NULL) {
        fprintf(stderr, "mice-cipher: out of memory\n");
        mcrypt_module_close(td);
        return 1;
    }

    int status = 0;
    unsigned long long offset = 0;
    unsigned long long records = 0;
    size_t input_size = decrypt ? envelope_size : inner_size;
    for (;;) {
        size_t got = read_full(buffer, input_size);
        if (got == 0) break;
        if (got < input_size) {
            fprintf(stderr, "mice-cipher: truncated record %llu at byte offset %llu: %zu of %zu bytes\n", records,
                    offset, got, input_size);
            status = 1;
            break;
        }
        if (decrypt) {
            uint32_t iv_length;
            uint32_t cipher_text_length;
            memcpy(&iv_length, buffer, sizeof iv_length);
            memcpy(&cipher_text_length, buffer + 20, sizeof cipher_text_length);
            if (cipher_text_length != inner_size) {
                fprintf(stderr, "mice-cipher: record %llu: CipherTextLen %u at byte offset %llu, expected %lu\n",
                        records, cipher_text_length, offset + 20, inner_size);
                status = 1;
                break;
            }
            unsigned char iv[IV_SIZE];
            memcpy(iv, buffer + 4, IV_SIZE);
            if (iv_length != 0 && crypt_record(td, key, iv, buffer + HEADER_SIZE, inner_size, 1) != 0) {
                status = 1;
                break;
            }
            if (write_full(buffer + HEADER_SIZE, inner_size) != 0) {
                status = 1;
                break;
            }
        } else {
            unsigned char iv[IV_SIZE];
            if (iv_text != NULL) {
                memcpy(iv, fixed_iv, IV_SIZE);
            } else if (getrandom(iv, IV_SIZE, 0) != IV_SIZE) {
                fprintf(stderr, "mice-cipher: getrandom failed: %s\n", strerror(errno));
                status = 1;
                break;
            }
            unsigned char header[HEADER_SIZE];
            uint32_t iv_length = IV_SIZE;
            uint32_t cipher_text_length = (uint32_t)inner_size;
            memcpy(header, &iv_length, sizeof iv_length);
            memcpy(header + 4, iv, IV_SIZE);
            memcpy(header + 20, &cipher_text_length, sizeof cipher_text_length);
            if (crypt_record(td, key, iv, buffer, inner_size, 0) != 0 || write_full(header, HEADER_SIZE) != 0 ||
                write_full(buffer, inner_size) != 0) {
                status = 1;
                break;
            }
        }
        offset += got;
        records++;
    }

    if (fflush(stdout) != 0) status = 1;
    free(buffer);
    mcrypt_module_close(td);
    return status;
}
