#include <iostream>

int main() {
    std::cout << "Hello from source1!" << std::endl;
    return 0;
}
