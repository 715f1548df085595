use chrono::{DateTime, Duration, Utc};

/// A door that counts its knocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// Asking for a one-time code, per address.
    CodeForAddress,
    /// Asking for a one-time code, per client network.
    CodeFromClient,
    /// Trying a one-time code, per client network.
    VerifyFromClient,
    /// Redeeming an invitation, per client network.
    InvitationFromClient,
    /// Asking for a client token, per client network: counted before any secret is hashed.
    TokenFromClient,
    /// Invitations made for one party.
    InvitationForParty,
    /// Invitations made by one issuer.
    InvitationByIssuer,
    /// Confirmation messages written for one party's new addresses.
    ConfirmationForParty,
    /// Confirmation messages written to one address, whoever added it.
    ConfirmationToAddress,
    /// An address removed before it was confirmed: it cannot be added again for a day.
    UnconfirmedRemoved,
}

/// How many knocks a door takes in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub most: i64,
    pub window: Duration,
}

impl Door {
    pub fn limit(self) -> RateLimit {
        let quarter_hour = Duration::minutes(15);
        let day = Duration::days(1);
        match self {
            // Three codes a quarter hour is enough for a slow SMS; more is someone else's doing.
            Door::CodeForAddress => RateLimit { most: 3, window: quarter_hour },
            // A facility's shared connection may sign several people in.
            Door::CodeFromClient => RateLimit { most: 20, window: quarter_hour },
            Door::VerifyFromClient => RateLimit { most: 30, window: quarter_hour },
            Door::InvitationFromClient => RateLimit { most: 20, window: quarter_hour },
            // A system asks for a token an hour; a probation office's few systems share a network.
            Door::TokenFromClient => RateLimit { most: 30, window: quarter_hour },
            // A lost printout or two; more is not someone being helped in.
            Door::InvitationForParty => RateLimit { most: 5, window: day },
            // A facility admitting a busy day's residents and their families.
            Door::InvitationByIssuer => RateLimit { most: 50, window: day },
            Door::ConfirmationForParty => RateLimit { most: 5, window: day },
            Door::ConfirmationToAddress => RateLimit { most: 3, window: day },
            Door::UnconfirmedRemoved => RateLimit { most: 0, window: day },
        }
    }

    /// Part of the bucket's key, so that doors never share a count.
    pub fn name(self) -> &'static str {
        match self {
            Door::CodeForAddress => "code-address",
            Door::CodeFromClient => "code-client",
            Door::VerifyFromClient => "verify-client",
            Door::InvitationFromClient => "invitation-client",
            Door::TokenFromClient => "token-client",
            Door::InvitationForParty => "invitation-party",
            Door::InvitationByIssuer => "invitation-issuer",
            Door::ConfirmationForParty => "confirmation-party",
            Door::ConfirmationToAddress => "confirmation-address",
            Door::UnconfirmedRemoved => "unconfirmed-removed",
        }
    }
}

impl RateLimit {
    /// After a knock that made `count` in a window begun at `window_start`: `None` to let it
    /// in, or how long until one more would be let in.
    pub fn retry_after(self, count: i64, window_start: DateTime<Utc>, now: DateTime<Utc>) -> Option<Duration> {
        if count <= self.most {
            return None;
        }
        Some((window_start + self.window - now).max(Duration::seconds(1)))
    }
}

/// The key a client's address is counted under: an IPv4 address as it is, an IPv6 address by
/// its /64, the smallest network one subscriber is given (a /64 holds 2^64 addresses).
pub fn client_key(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let network = u128::from(v6) & !((1u128 << 64) - 1);
                format!("{}/64", std::net::Ipv6Addr::from(network))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn a_door_lets_in_up_to_its_limit_then_says_when_to_come_back() {
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap();
        let limit = Door::CodeForAddress.limit();
        assert_eq!(limit.retry_after(3, now, now), None);
        let started = now - Duration::minutes(10);
        assert_eq!(limit.retry_after(4, started, now), Some(Duration::minutes(5)));
        assert_eq!(limit.retry_after(4, now - Duration::minutes(15), now), Some(Duration::seconds(1)));
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_and_ipv4_by_their_address() {
        let a: std::net::IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: std::net::IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().unwrap();
        let other: std::net::IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(other));
        assert_eq!(client_key("192.0.2.7".parse().unwrap()), "192.0.2.7");
        assert_eq!(client_key("::ffff:192.0.2.7".parse().unwrap()), "192.0.2.7");
        assert_ne!(client_key("192.0.2.7".parse().unwrap()), client_key("192.0.2.8".parse().unwrap()));
    }
}
