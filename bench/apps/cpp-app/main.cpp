#include <iostream>
#include <sys/utsname.h>

#include "app.h"

// The source-change scenario of bench/run.sh edits this line.
#define GREETING "hello from cpp-app"

int main() {
	struct utsname u {};
	if (uname(&u) != 0) {
		std::cerr << "uname failed\n";
		return 1;
	}
	const std::string text =
	    "The multi-stage build copies only the files the final image needs. "
	    "A builder image holds the compiler; the runtime image holds the program, "
	    "and the program counts the words of this text.";
	std::cout << GREETING << '\n' << report(counts(words(text)), u.machine);
	return 0;
}
