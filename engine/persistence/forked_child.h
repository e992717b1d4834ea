// Forking a child (BGSAVE, BGREWRITEAOF, a diskless sync), counted for INFO's total_forks, and
// what every child does first: it logs as 'C', as Redis's children do, and takes back the
// default actions of the signals the parent blocks for its signalfd, so that the parent can
// stop it with SIGTERM or SIGUSR1. The loop's thread.
#ifndef BAZAAR_ENGINE_PERSISTENCE_FORKED_CHILD_H_
#define BAZAAR_ENGINE_PERSISTENCE_FORKED_CHILD_H_

#include <signal.h>
#include <unistd.h>

#include <cstdint>

#include "engine/core/log.h"

namespace bazaar::engine::persistence {

// The children forked so far (INFO stats total_forks).
inline int64_t& TotalForks() {
  static int64_t forks = 0;
  return forks;
}

// fork(), counted when it succeeds.
inline pid_t ForkChild() {
  const pid_t pid = fork();
  if (pid > 0) ++TotalForks();
  return pid;
}

inline void BecomeForkedChild() {
  core::SetLogRole('C');
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  sigset_t mask;
  sigemptyset(&mask);
  sigprocmask(SIG_SETMASK, &mask, nullptr);
}

}  // namespace bazaar::engine::persistence

#endif  // BAZAAR_ENGINE_PERSISTENCE_FORKED_CHILD_H_
