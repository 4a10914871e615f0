#include <iostream>

#include "greeting.h"

int main() {
    std::cout << greeting() << std::endl;
    return 0;
}
