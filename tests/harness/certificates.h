// Test certificates made with the real openssl tool, in a directory: two CAs ("ca" and
// "other_ca"), a server certificate of ca for 127.0.0.1 and localhost ("server"), a client
// certificate of ca ("client") and one of other_ca ("stranger"). Each is <name>.pem with its
// key <name>.key (EC P-256, no passphrase).
#ifndef BAZAAR_TESTS_HARNESS_CERTIFICATES_H_
#define BAZAAR_TESTS_HARNESS_CERTIFICATES_H_

#include <string>

namespace bazaar::testing {

// "" on success, else the openssl command that failed and what it said.
std::string MakeTestCertificates(const std::string& dir);

}  // namespace bazaar::testing

#endif  // BAZAAR_TESTS_HARNESS_CERTIFICATES_H_
