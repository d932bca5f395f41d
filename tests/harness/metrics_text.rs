//! Reading numbers out of a Prometheus text scrape.

/// The sum of every sample of metric `name` whose labels include all of `labels`, e.g.
/// `metric_sum(&text, "cxrelay_events_finished_total", &[("status", "succeeded")])`;
/// 0 when there is none.
pub fn metric_sum(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let rest = line.strip_prefix(name)?;
            let (label_text, value) = match rest.strip_prefix('{') {
                Some(labelled) => labelled.split_once('}')?,
                None if rest.starts_with(' ') => ("", rest),
                None => return None,
            };
            let wanted = labels
                .iter()
                .all(|(key, want)| label_text.contains(&format!("{key}=\"{want}\"")));
            if !wanted {
                return None;
            }
            value.split_whitespace().next()?.parse::<f64>().ok()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::metric_sum;

    const SCRAPE: &str = "\
# TYPE cxrelay_events_finished_total counter
cxrelay_events_finished_total{kind=\"cognigy.fallback\",status=\"succeeded\",reason=\"\"} 7
cxrelay_events_finished_total{kind=\"cognigy.fallback\",status=\"dead\",reason=\"rejected\"} 2
cxrelay_events_finished_total_other 100
cxrelay_token_fetches_total 3
";

    #[test]
    fn samples_are_summed_over_the_labels_asked_for_only() {
        assert_eq!(
            metric_sum(SCRAPE, "cxrelay_events_finished_total", &[]),
            9.0
        );
        assert_eq!(
            metric_sum(
                SCRAPE,
                "cxrelay_events_finished_total",
                &[("status", "succeeded")]
            ),
            7.0
        );
        assert_eq!(metric_sum(SCRAPE, "cxrelay_token_fetches_total", &[]), 3.0);
        assert_eq!(metric_sum(SCRAPE, "cxrelay_absent", &[]), 0.0);
    }
}
