#include <iostream>

int main() {
    std::cout << "Hello from source2!" << std::endl;
    return 0;
}
