//! Standard Webhooks: signing, the retry schedule, and which addresses may be called.

use std::net::IpAddr;

use ip_network::{Ipv4Network, Ipv6Network};

use base64::{engine::general_purpose::STANDARD, Engine};
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::Invalid;

const SECRET_PREFIX: &str = "whsec_";

/// A signing secret in the spec's form, from key bytes the caller drew at random.
pub fn secret_from_bytes(key: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// Whether a webhook may call `raw`: https (http too where private targets are allowed, for
/// tests and closed networks), and no private, loopback or link-local literal address.
pub fn check_url(raw: &str, allow_private: bool) -> Result<(), Invalid> {
    let Ok(url) = url::Url::parse(raw) else { return Err(super::Why::NotAUrl.into()) };
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(super::Why::NotHttps.into()),
    }
    let host = url.host_str().unwrap_or_default().trim_matches(['[', ']']);
    let literal_private =
        host.parse::<IpAddr>().is_ok_and(|ip| !is_public(ip)) || host.eq_ignore_ascii_case("localhost");
    if host.is_empty() || (literal_private && !allow_private) {
        return Err(super::Why::PrivateTarget.into());
    }
    Ok(())
}

fn key_of(secret: &str) -> Result<Vec<u8>, Invalid> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    STANDARD.decode(encoded).map_err(|_| Invalid::new("a webhook secret is whsec_ followed by base64"))
}

fn mac(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<Hmac<Sha256>, Invalid> {
    let mut mac = Hmac::<Sha256>::new_from_slice(&key_of(secret)?).map_err(|_| Invalid::new("an unusable key"))?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(mac)
}

/// The `webhook-signature` header value: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String, Invalid> {
    Ok(format!("v1,{}", STANDARD.encode(mac(secret, id, timestamp, body)?.finalize().into_bytes())))
}

/// Checks a `webhook-signature` header (space-separated signatures) in constant time.
pub fn verify(secret: &str, id: &str, timestamp: i64, body: &str, header: &str) -> bool {
    header.split(' ').filter_map(|signature| signature.strip_prefix("v1,")).any(|encoded| {
        let (Ok(expected), Ok(mac)) = (STANDARD.decode(encoded), mac(secret, id, timestamp, body)) else {
            return false;
        };
        mac.verify_slice(&expected).is_ok()
    })
}

/// The spec's schedule: after each failed attempt, wait this long before the next.
pub const RETRY_SCHEDULE: [i64; 7] = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600];

/// When to try again after `attempts` failed attempts, or `None` to give up (a dead letter).
/// `jitter` in [0, 1) spreads retries by up to a tenth; a longer `Retry-After` is honoured.
pub fn next_attempt(
    attempts: usize,
    now: DateTime<Utc>,
    jitter: f64,
    retry_after: Option<Duration>,
) -> Option<DateTime<Utc>> {
    let wait = *RETRY_SCHEDULE.get(attempts.checked_sub(1)?)?;
    let spread = (wait as f64 * 0.1 * jitter.clamp(0.0, 1.0)) as i64;
    let scheduled = Duration::seconds(wait + spread);
    Some(now + retry_after.map_or(scheduled, |asked| asked.max(scheduled)))
}

/// Reads `Retry-After`: seconds, or an HTTP date.
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    if let Ok(seconds) = value.trim().parse::<i64>() {
        return Some(Duration::seconds(seconds.clamp(0, 86_400)));
    }
    let at = DateTime::parse_from_rfc2822(value.trim()).ok()?.with_timezone(&Utc);
    Some((at - now).max(Duration::zero()).min(Duration::days(1)))
}

/// Whether an address is on the public internet: globally reachable by the IANA special-purpose
/// registries and no multicast, nor an IPv6 form that carries an IPv4 address. Webhooks call
/// only such addresses unless allowed.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        // The IANA special-purpose registry, as the `ip_network` crate keeps it (private, shared,
        // loopback, link-local, documentation, benchmarking 198.18.0.0/15, reserved 240.0.0.0/4,
        // IETF assignments 192.0.0.0/24, …); multicast is no webhook target either.
        IpAddr::V4(v4) => Ipv4Network::from(v4).is_global() && !v4.is_multicast(),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let segments = v6.segments();
            // Prefixes that carry or route to an IPv4 address (and so can reach a private one
            // behind a translator) are refused whatever the registry says of them:
            // IPv4-compatible ::a.b.c.d (::/96), NAT64 64:ff9b::/96 and 64:ff9b:1::/48, 6to4
            // 2002::/16, Teredo 2001::/32; and the deprecated site-local fec0::/10.
            let embeds_v4 = segments[..6] == [0; 6]
                || segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
                || segments[..3] == [0x64, 0xff9b, 1]
                || segments[0] == 0x2002
                || segments[..2] == [0x2001, 0];
            let site_local = (segments[0] & 0xffc0) == 0xfec0;
            !embeds_v4 && !site_local && Ipv6Network::from(v6).is_global()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The test vector published with the Standard Webhooks specification.
    #[test]
    fn reproduces_the_specifications_test_vector() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let signature = sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, r#"{"test": 2432232314}"#).unwrap();
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, r#"{"test": 2432232314}"#, &signature));
        assert!(!verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331, r#"{"test": 2432232314}"#, &signature));
        assert!(!verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, r#"{"test": 2432232315}"#, &signature));
        assert!(verify(
            secret,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
            &format!("v1,bogus {signature}")
        ));
    }

    #[test]
    fn retries_follow_the_schedule_then_give_up() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(next_attempt(1, now, 0.0, None), Some(now + Duration::seconds(5)));
        assert_eq!(next_attempt(2, now, 0.0, None), Some(now + Duration::minutes(5)));
        assert_eq!(next_attempt(7, now, 0.0, None), Some(now + Duration::hours(10)));
        assert_eq!(next_attempt(8, now, 0.0, None), None, "eight attempts in all");
        let jittered = next_attempt(3, now, 0.99, None).unwrap();
        assert!(jittered > now + Duration::minutes(30) && jittered <= now + Duration::minutes(33));
        assert_eq!(
            next_attempt(1, now, 0.0, Some(Duration::minutes(2))),
            Some(now + Duration::minutes(2)),
            "Retry-After wins when longer"
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(retry_after("120", now), Some(Duration::seconds(120)));
        assert_eq!(retry_after("Thu, 01 Jan 2026 00:10:00 GMT", now), Some(Duration::minutes(10)));
        assert_eq!(retry_after("soon", now), None);
    }

    #[test]
    fn only_public_addresses_are_called() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::127.0.0.1",
            "::10.0.0.1",
            "64:ff9b::10.0.0.1",
            "64:ff9b:1::a00:1",
            "2002:a00:1::1",
            "2001:0:4136:e378::1",
            "fec0::1",
            "198.18.0.1",
            "198.19.255.255",
            "240.0.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "2001:db8::1",
            "ff02::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }
}
