use super::*;
use std::collections::HashMap;

fn config(pairs: &[(&'static str, &str)]) -> Result<Config, ConfigError> {
    let env: HashMap<&str, String> = pairs.iter().map(|(k, v)| (*k, v.to_string())).collect();
    Config::from_lookup(|name| Ok(env.get(name).cloned()))
}

#[test]
fn defaults_need_no_configuration() {
    let config = config(&[]).unwrap();
    assert_eq!(config.database_url.expose(), DEFAULT_DATABASE_URL);
    assert_eq!(config.addr.to_string(), DEFAULT_ADDR);
    assert!(config.jwt_secret.is_none());
    assert_eq!(config.tick, Duration::from_secs(30));
}

#[test]
fn a_bad_address_is_named_in_the_error() {
    let err = config(&[("TSUNAGU_ADDR", "nonsense")]).unwrap_err();
    assert!(err.to_string().contains("TSUNAGU_ADDR=\"nonsense\""), "{err}");
}

#[test]
fn a_short_secret_is_refused_without_echoing_it() {
    let err = config(&[("TSUNAGU_JWT_SECRET", "hunter2")]).unwrap_err();
    assert!(err.to_string().contains("at least 32 bytes"));
    assert!(!err.to_string().contains("hunter2"));
    assert!(config(&[("TSUNAGU_JWT_SECRET", &"k".repeat(32))]).is_ok());
}

#[test]
fn unknown_database_schemes_are_refused() {
    assert!(config(&[("DATABASE_URL", "mysql://localhost/x")]).is_err());
    assert!(config(&[("DATABASE_URL", "postgres://localhost/x")]).is_ok());
}

#[test]
fn database_url_display_hides_the_password() {
    let url = DatabaseUrl::parse("postgres://app:s3cret@db.internal:5432/tsunagu").unwrap();
    assert_eq!(url.to_string(), "postgres://app:***@db.internal:5432/tsunagu");
    assert!(!format!("{url:?}").contains("s3cret"));
    let no_password = DatabaseUrl::parse("postgres://postgres@127.0.0.1/x").unwrap();
    assert_eq!(no_password.to_string(), "postgres://postgres@127.0.0.1/x");
}

#[test]
fn the_window_policy_is_configurable() {
    assert_eq!(config(&[]).unwrap().window, WindowPolicy::default());
    let changed = config(&[("TSUNAGU_WINDOW_MONTHS", "12"), ("TSUNAGU_WINDOW_EXTENSION_MONTHS", "3")]).unwrap();
    assert_eq!((changed.window.months, changed.window.extension_months), (12, 3));
    assert!(config(&[("TSUNAGU_WINDOW_MONTHS", "0")]).is_err());
    assert!(config(&[("TSUNAGU_WINDOW_MONTHS", "six")]).is_err());
}

#[test]
fn a_rules_file_changes_the_defaults_and_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("rules.json");
    std::fs::write(&good, r#"{"bail_craving": {"to_day": 60, "lead_days": [14, 1]}}"#).unwrap();
    let changed = config(&[("TSUNAGU_RISK_RULES", good.to_str().unwrap())]).unwrap();
    let craving = changed.rules.iter().find(|rule| rule.id == "bail_craving").unwrap();
    assert_eq!((craving.to_day, craving.lead_days.clone()), (60, vec![14, 1]));
    for (body, expected) in [
        (r#"{"full_moon": {}}"#, "unknown rule \"full_moon\""),
        (r#"{"after_lapse": {"severity": "dire"}}"#, "unknown severity \"dire\""),
        (r#"{"after_lapse": {"audience": ["neighbour"]}}"#, "unknown relationship \"neighbour\""),
        (r#"{"after_lapse": {"lead": [1]}}"#, "unknown field `lead`"),
        ("[1, 2]", "not a JSON object"),
    ] {
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, body).unwrap();
        let err = config(&[("TSUNAGU_RISK_RULES", bad.to_str().unwrap())]).unwrap_err().to_string();
        assert!(err.starts_with("TSUNAGU_RISK_RULES=") && err.contains(expected), "{err}");
    }
    assert!(config(&[("TSUNAGU_RISK_RULES", "/nowhere/rules.json")])
        .unwrap_err()
        .to_string()
        .contains("cannot read it"));
}

#[test]
fn channels_are_off_unless_configured_and_need_the_public_url() {
    let plain = config(&[]).unwrap();
    assert!(plain.email.is_none() && plain.sms.is_none());
    let mail = [("TSUNAGU_SMTP_URL", "smtp://127.0.0.1:2525"), ("TSUNAGU_MAIL_FROM", "alerts@example.org")];
    assert!(matches!(config(&mail), Err(ConfigError::PublicUrlNeeded { .. })));
    let with_url = [mail[0], mail[1], ("TSUNAGU_PUBLIC_URL", "https://tsunagu.example.org")];
    assert!(config(&with_url).unwrap().email.is_some());
    let err = config(&[("TSUNAGU_SMTP_URL", "smtp://127.0.0.1:2525")]).unwrap_err().to_string();
    assert!(err.contains("TSUNAGU_MAIL_FROM"), "{err}");
    let err = config(&[("TSUNAGU_SMS_AUTH_TOKEN", "s3cret")]).unwrap_err().to_string();
    assert!(err.contains("TSUNAGU_SMS_URL") && !err.contains("s3cret"), "{err}");
}

#[test]
fn tick_must_be_a_positive_number_of_seconds() {
    assert!(config(&[("TSUNAGU_TICK_SECONDS", "0")]).is_err());
    assert!(config(&[("TSUNAGU_TICK_SECONDS", "soon")]).is_err());
    assert_eq!(config(&[("TSUNAGU_TICK_SECONDS", "5")]).unwrap().tick, Duration::from_secs(5));
}

#[test]
fn a_referral_waits_seven_days_for_an_answer_unless_configured() {
    assert_eq!(config(&[]).unwrap().referrals.answer_within_days, 7);
    let days = |value: &str| config(&[("TSUNAGU_REFERRAL_ANSWER_DAYS", value)]).map(|c| c.referrals.answer_within_days);
    assert_eq!(days("3").unwrap(), 3);
    for refused in ["0", "91", "a week"] {
        let error = days(refused).unwrap_err().to_string();
        assert!(error.contains("TSUNAGU_REFERRAL_ANSWER_DAYS"), "{error}");
    }
}

#[test]
fn delivery_timeouts_and_connection_limits_have_defaults_and_bounds() {
    let plain = config(&[]).unwrap();
    assert_eq!(plain.delivery, DeliverySettings::default());
    assert_eq!(plain.connections, ConnectionLimits::default());
    let changed = config(&[("TSUNAGU_WEBHOOK_TIMEOUT_SECONDS", "3"), ("TSUNAGU_HEAD_TIMEOUT_SECONDS", "2")]).unwrap();
    assert_eq!(changed.delivery.webhook_timeout, Duration::from_secs(3));
    assert_eq!(changed.connections.head_timeout, Duration::from_secs(2));
    // A send may not outlast the outbox's claim, or another instance would send it too.
    let err = config(&[("TSUNAGU_SMS_TIMEOUT_SECONDS", "90")]).unwrap_err().to_string();
    assert!(err.contains("TSUNAGU_SMS_TIMEOUT_SECONDS=\"90\"") && err.contains("1 to 45"), "{err}");
    assert!(config(&[("TSUNAGU_MAX_CONNECTIONS_PER_CLIENT", "0")]).is_err());
    assert!(config(&[("TSUNAGU_MAX_CONNECTIONS", "64"), ("TSUNAGU_MAX_CONNECTIONS_PER_CLIENT", "65")]).is_err());
}

#[test]
fn three_unanswered_calls_in_a_row_raise_the_alarm_unless_configured() {
    assert_eq!(config(&[]).unwrap().follow_up.quiet_after, 3);
    let calls = |value: &str| config(&[("TSUNAGU_FOLLOW_UP_QUIET_AFTER", value)]).map(|c| c.follow_up.quiet_after);
    assert_eq!(calls("4").unwrap(), 4);
    for refused in ["1", "11", "three"] {
        let error = calls(refused).unwrap_err().to_string();
        assert!(error.contains("TSUNAGU_FOLLOW_UP_QUIET_AFTER"), "{error}");
    }
}
