// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

// Thin wrappers over GNU extensions that Swift's Glibc module does not import (they need
// _GNU_SOURCE): pipe2, eventfd, F_SETPIPE_SZ and the posix_spawn *_np file actions and
// POSIX_SPAWN_SETSID. Keep this file minimal: all logic lives in Swift (MICEPluginHost).

#ifndef CMICESPAWN_H
#define CMICESPAWN_H

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

#endif
