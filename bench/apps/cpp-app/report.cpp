#include <algorithm>
#include <iomanip>
#include <sstream>
#include <utility>

#include "app.h"

std::string report(const std::map<std::string, int>& cs, const std::string& machine) {
	std::vector<std::pair<std::string, int>> sorted(cs.begin(), cs.end());
	std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
	std::ostringstream out;
	out << "top words on " << machine << ":\n";
	for (std::size_t i = 0; i < sorted.size() && i < 5; ++i) {
		out << std::setw(12) << std::left << sorted[i].first << std::setw(4) << std::right << sorted[i].second << '\n';
	}
	return out.str();
}
