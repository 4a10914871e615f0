//! A path dependency: crates from the build context need no registry.

/// The greeting for `name`, with the architecture the binary was built for.
pub fn greet(name: &str) -> String {
    format!("hello, {} from {}", name, std::env::consts::ARCH)
}

#[cfg(test)]
mod tests {
    #[test]
    fn greets() {
        assert!(super::greet("x").starts_with("hello, x from "));
    }
}
