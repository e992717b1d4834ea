// Helpers for persistence tests: a whole-dataset description to compare two servers, a
// population of every type and encoding, and small file and polling utilities.
#ifndef BAZAAR_TESTS_INTEGRATION_ENGINE_DATASET_H_
#define BAZAAR_TESTS_INTEGRATION_ENGINE_DATASET_H_

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace bazaar::testing {

// Elements of a flat RESP2 array of bulk strings or integers.
std::vector<std::string> Elements(const std::string& raw);
// The payload of a RESP2 bulk string reply.
std::string Bulk(const std::string& raw);
// Every key of every database with its type, contents (order-free where Redis's is) and whether
// it has a TTL: what "identical data" means between two servers.
std::map<std::string, std::string> Dataset(int port);
// Small and large containers of every type (so Redis uses listpack/intset and its big
// encodings), expiry, several databases, binary and integer-looking strings.
void Populate(int port);
std::string ReadFile(const std::string& path);
bool WaitFor(const std::function<bool()>& ready, std::chrono::milliseconds timeout);

}  // namespace bazaar::testing

#endif  // BAZAAR_TESTS_INTEGRATION_ENGINE_DATASET_H_
