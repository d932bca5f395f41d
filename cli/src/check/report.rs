//! What `cxrelay check` prints: one line per check, saying what works, or what failed and
//! what to fix.

use std::fmt;

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It works.
    Ok,
    /// It works, but something deserves a look (does not fail the run).
    Warn,
    /// It does not work; the line says what to fix.
    Fail,
    /// Not tried: a setting it needs is missing or wrong (said on another line), or it is
    /// optional and not configured.
    Skip,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
            Status::Skip => "skip",
        }
    }
}

/// One checked thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// How it came out.
    pub status: Status,
    /// What was checked, e.g. `genesys fallback flow`.
    pub check: String,
    /// What was found: the working thing, or what failed and why.
    pub detail: String,
    /// What to do about it, for failures and warnings.
    pub fix: Option<String>,
}

impl Line {
    /// A check that passed.
    pub fn ok(check: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(Status::Ok, check, detail, None)
    }

    /// A check that failed, with what to fix.
    pub fn fail(
        check: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self::new(Status::Fail, check, detail, Some(fix.into()))
    }

    /// A check that passed with a remark, and what to do about it.
    pub fn warn(
        check: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self::new(Status::Warn, check, detail, Some(fix.into()))
    }

    /// A check not tried, and why.
    pub fn skip(check: impl Into<String>, why: impl Into<String>) -> Self {
        Self::new(Status::Skip, check, why, None)
    }

    fn new(
        status: Status,
        check: impl Into<String>,
        detail: impl Into<String>,
        fix: Option<String>,
    ) -> Self {
        Self {
            status,
            check: check.into(),
            detail: detail.into(),
            fix,
        }
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<4}  {}: {}",
            self.status.label(),
            self.check,
            self.detail
        )?;
        if let Some(fix) = &self.fix {
            write!(f, " -> fix: {fix}")?;
        }
        Ok(())
    }
}

/// Every line of one run, in the order the checks were listed.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// The lines.
    pub lines: Vec<Line>,
}

impl Report {
    /// Adds lines.
    pub fn extend(&mut self, lines: impl IntoIterator<Item = Line>) {
        self.lines.extend(lines);
    }

    /// Whether any check failed: the command then exits 1.
    pub fn failed(&self) -> bool {
        self.count(Status::Fail) > 0
    }

    fn count(&self, status: Status) -> usize {
        self.lines.iter().filter(|l| l.status == status).count()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.lines {
            writeln!(f, "{line}")?;
        }
        let failed = self.count(Status::Fail);
        write!(
            f,
            "{} checks: {} ok, {} failed, {} warnings, {} skipped",
            self.lines.len(),
            self.count(Status::Ok),
            failed,
            self.count(Status::Warn),
            self.count(Status::Skip),
        )?;
        if failed > 0 {
            write!(f, "; fix the FAIL lines and run `cxrelay check` again")?;
        }
        writeln!(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_says_what_to_fix_on_its_one_line() {
        let line = Line::fail(
            "genesys fallback flow",
            "403 on GET /api/v2/flows/f1: the OAuth client's role lacks architect:flow:view",
            "add architect:flow:view to the role",
        );
        assert_eq!(
            line.to_string(),
            "FAIL  genesys fallback flow: 403 on GET /api/v2/flows/f1: the OAuth client's role \
             lacks architect:flow:view -> fix: add architect:flow:view to the role"
        );
        let mut report = Report::default();
        report.extend([Line::ok("postgres", "connected"), line]);
        assert!(report.failed());
        assert!(report.to_string().contains("2 checks: 1 ok, 1 failed"));
    }
}
