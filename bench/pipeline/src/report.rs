//! What the benchmarks print: progress lines, the machine, and figures in aligned columns.

use crate::machine::Machine;

/// A progress line.
pub fn say(text: &str) {
    println!("==> {text}");
}

/// The header every benchmark starts with: what runs, on what, at which commit.
pub fn header(benchmark: &str, machine: &Machine) {
    say(&format!("{benchmark} on {machine}"));
}

/// `10000000` as `10,000,000`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut groups: Vec<&str> = digits
        .as_bytes()
        .rchunks(3)
        .map(|group| std::str::from_utf8(group).unwrap_or_default())
        .collect();
    groups.reverse();
    groups.join(",")
}

/// Bytes as MiB with one decimal.
pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1024.0 / 1024.0)
}

/// `ours / theirs` as `0.42x`; `-` when there is nothing to divide by.
pub fn ratio(ours: f64, theirs: f64) -> String {
    if theirs > 0.0 {
        format!("{:.2}x", ours / theirs)
    } else {
        "-".to_owned()
    }
}

/// `met` or `NOT met`, for a target line.
pub fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "NOT met"
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(super::count(100_000), "100,000");
        assert_eq!(super::count(12), "12");
    }

    #[test]
    fn a_ratio_of_nothing_is_a_dash() {
        assert_eq!(super::ratio(1.0, 0.0), "-");
        assert_eq!(super::ratio(1.0, 4.0), "0.25x");
    }
}
