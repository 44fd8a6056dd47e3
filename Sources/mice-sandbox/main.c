// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

// mice-sandbox: the exec wrapper the ReactionDaemon puts in front of every reaction module. It
// runs in the fresh child (already in its own session and process group), applies the sandbox of
// the table entry and the module's manifest, and execs the module. No shell, no PATH search.
//
//   mice-sandbox [--uid N] [--gid N] [--cpu S] [--as BYTES] [--nofile N] [--nproc N] [--fsize BYTES]
//                [--write PATH]... [--exec PATH]... [--network] [--netlink] [--cap N]...
//                -- PROGRAM ARG...
//
// Order: capability bounding set (keep only --cap numbers), resource limits, groups/gid/uid,
// no_new_privs, Landlock (write only beneath --write paths, execute only PROGRAM, the ELF
// interpreter and --exec programs), seccomp (deny list; IP sockets unless --network, netlink
// unless --netlink; when no --exec program is declared, execve only of PROGRAM by this very
// call), execve. Any failure exits 125 before the module runs: the sandbox fails closed.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/landlock.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SETUP_FAILED 125
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)  // ABI 3; older kernel headers lack it
#endif
#define MAX_PATHS 64
#define MAX_CAPS 64

extern char **environ;

static void die(const char *what) {
    fprintf(stderr, "E! mice-sandbox: %s: %s\n", what, strerror(errno));
    _exit(SETUP_FAILED);
}

static void usage(const char *detail) {
    fprintf(stderr, "E! mice-sandbox: %s\n", detail);
    _exit(SETUP_FAILED);
}

static long long number(const char *text, const char *option) {
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < 0) {
        fprintf(stderr, "E! mice-sandbox: %s: not a number: %s\n", option, text);
        _exit(SETUP_FAILED);
    }
    return value;
}

static void set_limit(int resource, long long value, const char *name) {
    if (value < 0) return;
    struct rlimit limit = {.rlim_cur = (rlim_t)value, .rlim_max = (rlim_t)value};
    if (setrlimit(resource, &limit) != 0) die(name);
}

// MARK: - Landlock

#define WRITE_ACCESS_V1                                                                             \
    (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |     \
     LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |           \
     LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |        \
     LANDLOCK_ACCESS_FS_MAKE_SYM)

static uint64_t write_access(int abi) {
    uint64_t access = WRITE_ACCESS_V1;
    if (abi >= 2) access |= LANDLOCK_ACCESS_FS_REFER;
    if (abi >= 3) access |= LANDLOCK_ACCESS_FS_TRUNCATE;
    return access;
}

static uint64_t file_write_access(int abi) {
    uint64_t access = LANDLOCK_ACCESS_FS_WRITE_FILE;
    if (abi >= 3) access |= LANDLOCK_ACCESS_FS_TRUNCATE;
    return access;
}

static void add_rule(int ruleset, const char *path, uint64_t directory_access, uint64_t file_access, int optional) {
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) {
        if (optional) return;
        fprintf(stderr, "E! mice-sandbox: landlock path %s: %s\n", path, strerror(errno));
        _exit(SETUP_FAILED);
    }
    struct stat info;
    if (fstat(fd, &info) != 0) die("fstat");
    struct landlock_path_beneath_attr rule = {
        .allowed_access = S_ISDIR(info.st_mode) ? directory_access : file_access,
        .parent_fd = fd,
    };
    if (rule.allowed_access != 0 &&
        syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0) {
        fprintf(stderr, "E! mice-sandbox: landlock rule %s: %s\n", path, strerror(errno));
        _exit(SETUP_FAILED);
    }
    close(fd);
}

// The ELF interpreter of `program` (PT_INTERP), so that Landlock lets the kernel load it.
static int interpreter_of(const char *program, char *out, size_t size) {
    FILE *file = fopen(program, "rb");
    if (file == NULL) return -1;
    unsigned char header[64];
    int found = -1;
    if (fread(header, 1, sizeof(header), file) == sizeof(header) && memcmp(header, "\177ELF", 4) == 0 &&
        header[4] == 2) {
        uint64_t phoff;
        uint16_t phentsize, phnum;
        memcpy(&phoff, header + 32, 8);
        memcpy(&phentsize, header + 54, 2);
        memcpy(&phnum, header + 56, 2);
        for (uint16_t i = 0; i < phnum && found < 0; i++) {
            unsigned char entry[56];
            if (phentsize < sizeof(entry) || fseek(file, (long)(phoff + (uint64_t)i * phentsize), SEEK_SET) != 0 ||
                fread(entry, 1, sizeof(entry), file) != sizeof(entry))
                break;
            uint32_t type;
            uint64_t offset, length;
            memcpy(&type, entry, 4);
            memcpy(&offset, entry + 8, 8);
            memcpy(&length, entry + 32, 8);
            if (type == 3 && length > 1 && length < size && fseek(file, (long)offset, SEEK_SET) == 0 &&
                fread(out, 1, length, file) == length) {
                out[length - 1] = '\0';
                found = 0;
            }
        }
    }
    fclose(file);
    return found;
}

static void apply_landlock(const char *program, char **writable, int writable_count, char **programs,
                           int program_count) {
    int abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 1) usage("the kernel has no Landlock (needed to confine writes and exec); refusing to run");
    struct landlock_ruleset_attr attributes = {
        .handled_access_fs = write_access(abi) | LANDLOCK_ACCESS_FS_EXECUTE,
    };
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attributes, sizeof(attributes), 0);
    if (ruleset < 0) die("landlock_create_ruleset");
    add_rule(ruleset, "/dev/null", 0, LANDLOCK_ACCESS_FS_WRITE_FILE, 1);
    for (int i = 0; i < writable_count; i++) add_rule(ruleset, writable[i], write_access(abi), file_write_access(abi), 0);
    char interpreter[4096];
    const char *executables[MAX_PATHS + 1];
    int count = 0;
    executables[count++] = program;
    for (int i = 0; i < program_count; i++) executables[count++] = programs[i];
    for (int i = 0; i < count; i++) {
        add_rule(ruleset, executables[i], 0, LANDLOCK_ACCESS_FS_EXECUTE, 0);
        if (interpreter_of(executables[i], interpreter, sizeof(interpreter)) == 0)
            add_rule(ruleset, interpreter, 0, LANDLOCK_ACCESS_FS_EXECUTE, 0);
    }
    if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) die("landlock_restrict_self");
    close(ruleset);
}

// MARK: - seccomp

static const int denied_syscalls[] = {
    SCMP_SYS(ptrace), SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev), SCMP_SYS(mount),
    SCMP_SYS(umount2), SCMP_SYS(pivot_root), SCMP_SYS(chroot), SCMP_SYS(swapon), SCMP_SYS(swapoff),
    SCMP_SYS(reboot), SCMP_SYS(kexec_load), SCMP_SYS(kexec_file_load), SCMP_SYS(init_module),
    SCMP_SYS(finit_module), SCMP_SYS(delete_module), SCMP_SYS(bpf), SCMP_SYS(perf_event_open),
    SCMP_SYS(unshare), SCMP_SYS(setns), SCMP_SYS(keyctl), SCMP_SYS(add_key), SCMP_SYS(request_key),
    SCMP_SYS(userfaultfd), SCMP_SYS(open_by_handle_at), SCMP_SYS(name_to_handle_at), SCMP_SYS(acct),
    SCMP_SYS(settimeofday), SCMP_SYS(clock_settime), SCMP_SYS(clock_adjtime), SCMP_SYS(adjtimex),
    SCMP_SYS(quotactl), SCMP_SYS(iopl), SCMP_SYS(ioperm), SCMP_SYS(fanotify_init), SCMP_SYS(syslog),
    SCMP_SYS(vhangup), SCMP_SYS(sethostname), SCMP_SYS(setdomainname), SCMP_SYS(move_mount),
    SCMP_SYS(open_tree), SCMP_SYS(fsopen), SCMP_SYS(fsconfig), SCMP_SYS(fsmount), SCMP_SYS(fspick),
    SCMP_SYS(mount_setattr), SCMP_SYS(execveat), SCMP_SYS(setsid), SCMP_SYS(setpgid),
};

static void apply_seccomp(const char *program, int network, int netlink, int may_exec_others) {
    scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
    if (filter == NULL) usage("seccomp_init failed");
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof(denied_syscalls) / sizeof(denied_syscalls[0]); i++)
        rc = seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), denied_syscalls[i], 0);
    if (!network) {
        const int families[] = {AF_INET, AF_INET6, AF_PACKET};
        for (size_t i = 0; rc == 0 && i < 3; i++)
            rc = seccomp_rule_add(filter, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
                                  SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)families[i]));
    }
    if (rc == 0 && !netlink)
        rc = seccomp_rule_add(filter, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
                              SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)AF_NETLINK));
    // A module that declares no program may exec exactly once: this call, whose path pointer
    // lives in this process image only. After the exec no pointer of the module can be equal by
    // accident, and Landlock still limits execution to the declared files.
    if (rc == 0 && !may_exec_others)
        rc = seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(execve), 1,
                              SCMP_A0(SCMP_CMP_NE, (scmp_datum_t)(uintptr_t)program));
    if (rc != 0) {
        errno = -rc;
        die("seccomp_rule_add");
    }
    rc = seccomp_load(filter);
    if (rc != 0) {
        errno = -rc;
        die("seccomp_load");
    }
    seccomp_release(filter);
}

// MARK: - main

int main(int argc, char **argv) {
    long long uid = -1, gid = -1, cpu = -1, as = -1, nofile = -1, nproc = -1, fsize = -1;
    char *writable[MAX_PATHS];
    char *programs[MAX_PATHS];
    int writable_count = 0, program_count = 0, network = 0, netlink = 0;
    int caps[MAX_CAPS];
    int cap_count = 0;
    int index = 1;
    for (; index < argc; index++) {
        const char *option = argv[index];
        if (strcmp(option, "--") == 0) {
            index++;
            break;
        }
        if (strcmp(option, "--network") == 0) {
            network = 1;
            continue;
        }
        if (strcmp(option, "--netlink") == 0) {
            netlink = 1;
            continue;
        }
        if (index + 1 >= argc) usage("an option needs a value");
        const char *value = argv[++index];
        if (strcmp(option, "--uid") == 0) uid = number(value, option);
        else if (strcmp(option, "--gid") == 0) gid = number(value, option);
        else if (strcmp(option, "--cpu") == 0) cpu = number(value, option);
        else if (strcmp(option, "--as") == 0) as = number(value, option);
        else if (strcmp(option, "--nofile") == 0) nofile = number(value, option);
        else if (strcmp(option, "--nproc") == 0) nproc = number(value, option);
        else if (strcmp(option, "--fsize") == 0) fsize = number(value, option);
        else if (strcmp(option, "--write") == 0 && writable_count < MAX_PATHS) writable[writable_count++] = (char *)value;
        else if (strcmp(option, "--exec") == 0 && program_count < MAX_PATHS) programs[program_count++] = (char *)value;
        else if (strcmp(option, "--cap") == 0 && cap_count < MAX_CAPS) caps[cap_count++] = (int)number(value, option);
        else usage("unknown option or too many paths");
    }
    if (index >= argc || argv[index][0] != '/') usage("usage: mice-sandbox [options] -- /absolute/program [args]");
    const char *program = argv[index];

    // Capabilities: only the declared ones survive the exec (for a uid-0 entry); none otherwise.
    if (geteuid() == 0) {
        for (int cap = 0; cap <= 63; cap++) {
            int keep = 0;
            for (int i = 0; i < cap_count; i++) keep |= caps[i] == cap;
            if (!keep && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) die("PR_CAPBSET_DROP");
        }
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) die("ambient");
    }
    set_limit(RLIMIT_CPU, cpu, "RLIMIT_CPU");
    set_limit(RLIMIT_AS, as, "RLIMIT_AS");
    set_limit(RLIMIT_NOFILE, nofile, "RLIMIT_NOFILE");
    set_limit(RLIMIT_NPROC, nproc, "RLIMIT_NPROC");
    set_limit(RLIMIT_FSIZE, fsize, "RLIMIT_FSIZE");
    set_limit(RLIMIT_CORE, 0, "RLIMIT_CORE");
    if (gid >= 0) {
        gid_t groups[1] = {(gid_t)gid};
        if (setgroups(1, groups) != 0) die("setgroups");
        if (setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) != 0) die("setresgid");
    }
    if (uid >= 0 && setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) != 0) die("setresuid");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("PR_SET_NO_NEW_PRIVS");
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) die("PR_SET_DUMPABLE");
    apply_landlock(program, writable, writable_count, programs, program_count);
    apply_seccomp(program, network, netlink, program_count > 0);
    execve(program, &argv[index], environ);
    fprintf(stderr, "E! mice-sandbox: execve %s: %s\n", program, strerror(errno));
    return 127;
}
