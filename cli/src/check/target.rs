//! Where a connection URL points, to name in a line without its password.

use url::Url;

/// `user@host:port/path` of `url`, never its password; `(not a URL)` when it does not parse.
pub fn describe(url: &str, default_port: u16) -> String {
    let Ok(url) = Url::parse(url) else {
        return "(not a URL)".to_owned();
    };
    let user = match url.username() {
        "" => String::new(),
        user => format!("{user}@"),
    };
    let host = url.host_str().unwrap_or("?");
    let port = url.port().unwrap_or(default_port);
    format!("{user}{host}:{port}{}", url.path())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_left_out() {
        let described = describe("postgres://cx:hunter2@db.internal/cxrelay", 5432);
        assert_eq!(described, "cx@db.internal:5432/cxrelay");
        assert_eq!(
            describe("amqp://guest:guest@127.0.0.1:5673/%2f", 5672),
            "guest@127.0.0.1:5673/%2f"
        );
        assert_eq!(describe("::", 1), "(not a URL)");
    }
}
