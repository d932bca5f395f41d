//! The `genesys messaging sender` line of `cxrelay check`: which messenger types have the
//! `fromAddress` that Genesys requires of an agentless message
//! (`genesys.messaging_from.<type>`). Read from the settings alone: nothing is called.

use cxrelay_core::config::{env_name, Settings};

use super::report::Line;

/// The line's name.
pub const CHECK: &str = "genesys messaging sender";

/// `ok` when every messenger type has a sender; else `warn`, naming each missing setting.
pub fn line(settings: &Settings) -> Line {
    let by_type = settings.genesys.messaging_from.by_type();
    let set: Vec<String> = by_type
        .iter()
        .filter(|(_, _, from)| from.is_some_and(|f| !f.is_empty()))
        .map(|(kind, _, from)| format!("{kind} from {}", from.unwrap_or_default()))
        .collect();
    let missing: Vec<String> = by_type
        .iter()
        .filter(|(_, _, from)| !from.is_some_and(|f| !f.is_empty()))
        .map(|(_, key, _)| env_name(key))
        .collect();
    if missing.is_empty() {
        return Line::ok(CHECK, format!("agentless messages go {}", set.join(", ")));
    }
    Line::warn(
        CHECK,
        format!(
            "{} not set: an agentless genesys.virtual_agent message of that type must carry its \
             own fromAddress, or it is dead (not_configured) without a call",
            missing.join(", ")
        ),
        "set the org's SMS number and the messaging integrations' ids for the messenger types \
         you send agentless messages on",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Status;

    #[test]
    fn each_missing_sender_is_named_by_its_variable() {
        let mut settings = Settings::default();
        settings.genesys.messaging_from.sms = Some("+15550001".into());
        let line = line(&settings);
        assert_eq!(line.status, Status::Warn);
        assert!(line
            .detail
            .contains("CXRELAY_GENESYS__MESSAGING_FROM__WHATSAPP"));
        assert!(line
            .detail
            .contains("CXRELAY_GENESYS__MESSAGING_FROM__OPEN"));
        assert!(!line.detail.contains("__SMS"));
        settings.genesys.messaging_from.whatsapp = Some("wa-1".into());
        settings.genesys.messaging_from.open = Some("om-1".into());
        assert_eq!(super::line(&settings).status, Status::Ok);
    }
}
