//! Counts the words of its arguments and says where it runs.

fn count(args: &[String]) -> usize {
    args.iter().map(|a| a.split_whitespace().count()).sum()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!("{} words on {}", count(&args), std::env::consts::ARCH);
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts() {
        assert_eq!(super::count(&["a b".to_string(), "c".to_string()]), 3);
    }
}
