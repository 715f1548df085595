//! The messages that let a party in: a one-time sign-in code, and an invitation sent to a
//! confirmed address. They say nothing of any person, and their payload is forgotten once
//! they are settled.

use crate::entity::{contact_point, party};
use uuid::Uuid;

use super::{compose, reach::Reach};
use crate::{
    domain::{
        channels::{sms, Channel},
        sign_in::{InvitationCode, OneTimeCode, ONE_TIME_CODE_VALID_MINUTES},
        Language,
    },
    store::outbox::Subject,
    store::outbox::{NewMessage, Priority, EMAIL, LINE, SMS},
};

/// The notice LINE carries when a way in was added: no code, no link that is one.
fn line_notice(party: &party::Model) -> compose::SmsPayload {
    compose::line_notice(language_of(party), compose::Notice::AccountChanged, "", Vec::new())
}

pub const SIGN_IN_CODE: &str = "auth.code";
pub const INVITATION: &str = "auth.invitation";

fn message(
    contact: &contact_point::Model,
    party: &party::Model,
    about: Subject,
    event_type: &'static str,
    email: impl FnOnce() -> compose::EmailPayload,
    text: impl FnOnce() -> compose::SmsPayload,
) -> NewMessage {
    let (channel, payload) = match contact.channel {
        Channel::Sms => (SMS, serde_json::to_string(&text())),
        Channel::Email => (EMAIL, serde_json::to_string(&email())),
        // A code or an invitation never goes to LINE (the workflows send them to typed
        // addresses only); what does is a notice that the account changed, and the link.
        Channel::Line => (LINE, serde_json::to_string(&line_notice(party))),
    };
    NewMessage {
        channel,
        target_id: contact.id,
        about,
        person_id: None,
        party_id: Some(party.id),
        event_type,
        payload: payload.unwrap_or_default(),
        // Someone is at a sign-in page waiting for it.
        priority: Priority::Now,
    }
}

fn language_of(party: &party::Model) -> Language {
    party.language
}

/// A six-digit code to sign in with, valid for ten minutes.
pub fn sign_in_code(
    reach: &Reach,
    party: &party::Model,
    contact: &contact_point::Model,
    code_id: Uuid,
    code: &OneTimeCode,
) -> NewMessage {
    let language = language_of(party);
    let code = code.as_str();
    let minutes = ONE_TIME_CODE_VALID_MINUTES;
    let service = reach.service_url();
    let email = || {
        let (subject, intro) = match language {
            Language::Ja => (
                "【つなぐ】サインインコード".to_owned(),
                format!("つなぐのサインインコードは {code} です。{minutes}分間有効です。心当たりがなければ、このメールは無視してください。"),
            ),
            Language::En => (
                "Tsunagu: your sign-in code".to_owned(),
                format!("Your Tsunagu sign-in code is {code}. It is valid for {minutes} minutes. If you did not ask for it, ignore this e-mail."),
            ),
        };
        let label = match language {
            Language::Ja => "つなぐを開く",
            Language::En => "Open Tsunagu",
        };
        compose::notice_email(language, &subject, &intro, &service, label)
    };
    let text = || {
        let body = match language {
            Language::Ja => format!("つなぐのサインインコード：{code}（{minutes}分間有効）"),
            Language::En => format!("Tsunagu sign-in code: {code} (valid {minutes} min)"),
        };
        compose::SmsPayload { body: sms::fit(&body, compose::stop_footer(language)), provides: Vec::new() }
    };
    message(contact, party, Subject::SignInCode(code_id), SIGN_IN_CODE, email, text)
}

/// An invitation to sign in, with its link and its code.
pub fn invitation(
    party: &party::Model,
    contact: &contact_point::Model,
    invitation_id: Uuid,
    url: &str,
    code: &InvitationCode,
) -> NewMessage {
    let language = language_of(party);
    let printed = code.display();
    let email = || {
        let (subject, intro, label) = match language {
            Language::Ja => (
                "【つなぐ】ご招待",
                format!("つなぐに招待されました。下のリンクを開くか、招待コード {printed} を入力してください。7日間、1回だけ使えます。"),
                "招待を受ける",
            ),
            Language::En => (
                "Tsunagu: you are invited",
                format!("You are invited to Tsunagu. Open the link below, or enter the invitation code {printed}. It works once, within 7 days."),
                "Accept the invitation",
            ),
        };
        compose::notice_email(language, subject, &intro, url, label)
    };
    let text = || {
        let body = match language {
            Language::Ja => format!("つなぐへの招待：{url} コード {printed}"),
            Language::En => format!("Tsunagu invitation: {url} code {printed}"),
        };
        compose::SmsPayload { body: sms::fit(&body, compose::stop_footer(language)), provides: Vec::new() }
    };
    message(contact, party, Subject::Invitation(invitation_id), INVITATION, email, text)
}

pub const DOOR_ADDED: &str = "auth.door_added";

/// Tells a party that has signed in before, on an address it already confirmed, that a new
/// way in (an invitation, a sign-in address) was made for its account; it names neither the
/// new address nor who made it.
pub fn door_added(reach: &Reach, party: &party::Model, contact: &contact_point::Model, door: Subject) -> NewMessage {
    let language = language_of(party);
    let service = reach.service_url();
    let email = || {
        let (subject, intro, label) = match language {
            Language::Ja => (
                "【つなぐ】サインイン方法が追加されました",
                "あなたのつなぐのアカウントに、新しいサインイン方法（招待または連絡先）が追加されました。心当たりがなければ、サインインして「ログイン中の端末」を確かめ、支援者か管理者に知らせてください。".to_owned(),
                "つなぐを開く",
            ),
            Language::En => (
                "Tsunagu: a way to sign in was added",
                "A new way to sign in (an invitation or an address) was added to your Tsunagu account. If this was not you, sign in, check your sessions, and tell your supporter or an administrator.".to_owned(),
                "Open Tsunagu",
            ),
        };
        compose::notice_email(language, subject, &intro, &service, label)
    };
    let text = || {
        let body = match language {
            Language::Ja => format!(
                "つなぐ：アカウントにサインイン方法が追加されました。心当たりがなければご確認ください {service}"
            ),
            Language::En => format!("Tsunagu: a way to sign in was added to your account. Not you? Check {service}"),
        };
        compose::SmsPayload { body: sms::fit(&body, compose::stop_footer(language)), provides: Vec::new() }
    };
    message(contact, party, door, DOOR_ADDED, email, text)
}

/// Addresses someone asked a code for, waiting for `workflow::sign_in::send_requested_codes`. Kept in memory
/// only: a typed address that is nobody's is never written anywhere, and a request lost with
/// the process is asked again by the person waiting for it.
#[derive(Debug, Default)]
pub struct CodeRequests {
    waiting: std::sync::Mutex<std::collections::VecDeque<crate::domain::channels::ContactAddress>>,
}

impl CodeRequests {
    /// More than this waiting is a flood; the excess is dropped (the door's limits stop any
    /// one address or network long before).
    const MOST_WAITING: usize = 10_000;

    pub fn push(&self, address: crate::domain::channels::ContactAddress) {
        if let Ok(mut waiting) = self.waiting.lock() {
            if waiting.len() < Self::MOST_WAITING {
                waiting.push_back(address);
            } else {
                tracing::warn!("too many sign-in codes waiting; one request dropped");
            }
        }
    }

    pub fn take_all(&self) -> Vec<crate::domain::channels::ContactAddress> {
        self.waiting.lock().map(|mut waiting| waiting.drain(..).collect()).unwrap_or_default()
    }
}
