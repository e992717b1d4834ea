// What every forked child (BGSAVE, BGREWRITEAOF, a diskless sync) does first: it logs as 'C',
// as Redis's children do, and takes back the default actions of the signals the parent blocks
// for its signalfd, so that the parent can stop it with SIGTERM or SIGUSR1.
#ifndef BAZAAR_ENGINE_PERSISTENCE_FORKED_CHILD_H_
#define BAZAAR_ENGINE_PERSISTENCE_FORKED_CHILD_H_

#include <signal.h>

#include "engine/core/log.h"

namespace bazaar::engine::persistence {

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
