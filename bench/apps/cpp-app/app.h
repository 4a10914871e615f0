// cpp-app is the C++ application of the benchmarks: it counts the words of
// a built-in text, with a few translation units heavy on the standard
// library, so that compiling it under emulation costs what real C++ costs.
#pragma once
#include <map>
#include <string>
#include <vector>

std::vector<std::string> words(const std::string& text);
std::map<std::string, int> counts(const std::vector<std::string>& ws);
std::string report(const std::map<std::string, int>& cs, const std::string& machine);
