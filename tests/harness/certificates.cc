#include "harness/certificates.h"

#include <fstream>
#include <tuple>
#include <vector>

#include "harness/process.h"

namespace bazaar::testing {

std::string MakeTestCertificates(const std::string& dir) {
  std::ofstream(dir + "/server.ext") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  std::vector<std::string> commands;
  for (const std::string ca : {"ca", "other_ca"}) {
    commands.push_back("openssl req -x509 " + ec + " -keyout " + ca + ".key -out " + ca +
                       ".pem -days 2 -subj /CN=" + ca);
  }
  for (const auto& [name, ca, ext] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"server", "ca", " -extfile server.ext"},
           {"client", "ca", ""},
           {"stranger", "other_ca", ""}}) {
    commands.push_back("openssl req " + ec + " -keyout " + name + ".key -out " + name +
                       ".csr -subj /CN=" + name);
    commands.push_back("openssl x509 -req -in " + name + ".csr -CA " + ca + ".pem -CAkey " + ca +
                       ".key -CAcreateserial -days 2 -out " + name + ".pem" + ext);
  }
  for (const std::string& command : commands) {
    CommandResult r = RunCommand("cd " + dir + " && " + command + " 2>&1");
    if (r.exit_code != 0) return command + ": " + r.output;
  }
  return "";
}

}  // namespace bazaar::testing
