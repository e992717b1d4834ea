// The engine's used_memory, as Redis's zmalloc counts it: the bytes of every live heap block
// (their usable size), kept in one counter as blocks come and go, so INFO and the maxmemory
// check read it at no cost. Counted: everything allocated through C++ new/delete (this file
// replaces the global operators) and the list chunks, which use CountedRealloc/CountedFree.
// Not counted: memory a C library mallocs itself. Any thread.
#ifndef BAZAAR_ENGINE_CORE_MEMORY_ACCOUNTING_H_
#define BAZAAR_ENGINE_CORE_MEMORY_ACCOUNTING_H_

#include <cstddef>

namespace bazaar::engine::core {

// Bytes of the live blocks.
size_t UsedMemory();

// The largest UsedMemory() seen by a call to PeakMemory() (each call samples it), as Redis's
// used_memory_peak is sampled by its cron and its readers.
size_t PeakMemory();

// used_memory once the server is set up and before it loads data (Redis's startup.allocated):
// what an empty instance costs. Set once by the server; 0 before.
void MarkStartupMemory();
size_t StartupMemory();

// realloc and free that keep the count (realloc(nullptr, n) allocates; n must be > 0).
void* CountedRealloc(void* p, size_t n);
void CountedFree(void* p);

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_MEMORY_ACCOUNTING_H_
