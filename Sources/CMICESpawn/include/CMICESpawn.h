// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

// Thin wrappers over GNU extensions that Swift's Glibc module does not import (they need
// _GNU_SOURCE) or are macros: pipe2, eventfd, F_SETPIPE_SZ, the posix_spawn *_np file actions and
// POSIX_SPAWN_SETSID, and SCM_RIGHTS descriptor passing (CMSG_*). Keep this file minimal: all
// logic lives in Swift (MICEPluginHost, MICEFdServer).

#ifndef CMICESPAWN_H
#define CMICESPAWN_H

#include <stddef.h>
#include <sys/types.h>

/// pipe2(fds, O_CLOEXEC). Returns 0 or an errno value.
int mice_pipe_cloexec(int fds[2]);

/// eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK). Returns the fd or -errno.
int mice_eventfd(void);

/// fcntl(fd, F_SETPIPE_SZ, size). Returns the new capacity or -errno.
int mice_set_pipe_size(int fd, int size);

/// Spawns `path` with `argv` and `envp` (NULL-terminated) via posix_spawn:
/// - `stdin_fd`, `stdout_fd`, `stderr_fd` are dup2'd onto 0, 1, 2, every other fd is closed
///   (posix_spawn_file_actions_addclosefrom_np, glibc 2.34+);
/// - the working directory is `cwd` (posix_spawn_file_actions_addchdir_np);
/// - the child is in a new session and process group (POSIX_SPAWN_SETSID);
/// - every signal has its default disposition and the signal mask is empty.
/// Returns 0 and stores the pid, or an errno value (exec failures included: glibc reports them).
int mice_spawn(
    const char *path,
    char *const argv[],
    char *const envp[],
    const char *cwd,
    int stdin_fd,
    int stdout_fd,
    int stderr_fd,
    pid_t *pid_out);

/// Spawns `path` like mice_spawn, but with `count` descriptors: `fds[i]` becomes descriptor i in
/// the child (for i < count) and every other descriptor is closed. Callers guarantee that every
/// `fds[i]` is >= `count` (so that no dup2 overwrites a later source). When `new_session` is
/// non-zero the child gets its own session and process group. Returns 0 and stores the pid, or
/// an errno value.
int mice_spawn_fds(
    const char *path,
    char *const argv[],
    char *const envp[],
    const char *cwd,
    const int *fds,
    int count,
    int new_session,
    pid_t *pid_out);

/// Flags reported by mice_recv_with_fd.
#define MICE_RECV_TRUNCATED 1          /* the message was longer than the buffer (MSG_TRUNC) */
#define MICE_RECV_CONTROL_TRUNCATED 2  /* control data was cut (MSG_CTRUNC): descriptors lost */
#define MICE_RECV_EXTRA_FDS 4          /* more than one descriptor arrived; the extra ones were closed */

/// sendmsg(sock, data, len, MSG_NOSIGNAL), attaching `fd` as SCM_RIGHTS when fd >= 0 (the CMSG_*
/// macros are not importable into Swift). Returns the bytes sent or -errno.
ssize_t mice_send_with_fd(int sock, const void *data, size_t len, int fd);

/// recvmsg(sock, buf, cap, MSG_CMSG_CLOEXEC) with room for descriptors: the first SCM_RIGHTS
/// descriptor is stored in *fd_out (-1 when none), any further ones are closed; *flags_out gets
/// MICE_RECV_* bits. Returns the bytes received or -errno.
ssize_t mice_recv_with_fd(int sock, void *buf, size_t cap, int *fd_out, int *flags_out);

/// For the root fd server: becomes `uid`/`gid` (real, effective, saved; supplementary groups
/// just `gid`) while keeping only CAP_DAC_READ_SEARCH (read any file, search any folder) in the
/// effective and permitted sets, with an empty inheritable set, no ambient capabilities and
/// no_new_privs. The calling process must be single-threaded (capset acts on the calling thread).
/// Returns 0 or an errno value.
int mice_keep_only_read_search(uid_t uid, gid_t gid);

#endif
