// Reads a redis.conf-style file plus redis-server-style command-line options ("--port 6380")
// into Options, refusing unknown directives and bad values with redis-server's fatal message.
#ifndef BAZAAR_ENGINE_CONFIG_CONFIG_FILE_H_
#define BAZAAR_ENGINE_CONFIG_CONFIG_FILE_H_

#include <string>
#include <vector>

#include "engine/config/options.h"

namespace bazaar::engine::config {

// `args` is argv without the program name: an optional config file path first, then
// "--name value..." options that apply after the file, as redis-server does. On failure returns
// false and sets *error to the text to print before exiting.
bool LoadConfig(const std::vector<std::string>& args, Options* options, std::string* error);

// Applies config text (one directive per line); `first_line` numbers its lines in messages.
bool ApplyConfigText(const std::string& text, Options* options, std::string* error);

}  // namespace bazaar::engine::config

#endif  // BAZAAR_ENGINE_CONFIG_CONFIG_FILE_H_
