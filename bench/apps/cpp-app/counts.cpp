#include <algorithm>
#include <numeric>
#include <set>
#include <unordered_map>

#include "app.h"

std::map<std::string, int> counts(const std::vector<std::string>& ws) {
	std::unordered_map<std::string, int> seen;
	for (const auto& w : ws) {
		++seen[w];
	}
	std::set<std::string> stop{"a", "an", "and", "the", "of", "to", "in"};
	std::map<std::string, int> out;
	for (const auto& [w, n] : seen) {
		if (!stop.count(w)) {
			out.emplace(w, n);
		}
	}
	return out;
}
