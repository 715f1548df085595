//! A reminder to a family that a class's deadline to apply is near. Like every message it
//! carries a notice and a link, never a name nor what it is about: the link opens the public
//! directory at the session.

use crate::entity::{contact_point, party};
use uuid::Uuid;

use super::{compose, reach::Reach};
use crate::{
    domain::{
        channels::{sms, Channel, EmailPreference, LinePreference, Preferences, SmsPreference},
        Language,
    },
    store::outbox::{NewMessage, Priority, Subject, EMAIL, LINE, SMS},
};

pub const CLASS_DEADLINE: &str = "directory.deadline";

/// Whether a family hears of deadlines on `channel`: e-mail unless off, texts when they take
/// every text, LINE when it tells them at once.
fn wants(preferences: &Preferences, channel: Channel) -> bool {
    match channel {
        Channel::Email => preferences.email != EmailPreference::Off,
        Channel::Sms => preferences.sms == SmsPreference::All,
        Channel::Line => preferences.line == LinePreference::Immediate,
    }
}

fn words(language: Language) -> &'static str {
    match language {
        Language::Ja => "申し込みの締め切りが近いお知らせがあります。",
        Language::En => "Something you may want to apply for closes soon.",
    }
}

/// The messages telling `party` of a session's deadline, one per address that takes them.
pub fn deadline_reminder(
    reach: &Reach,
    party: &party::Model,
    preferences: &Preferences,
    contacts: &[contact_point::Model],
    session_id: Uuid,
) -> Vec<NewMessage> {
    let language = party.language;
    let link = format!("{}/help/sessions/{session_id}", reach.service_url());
    contacts
        .iter()
        .filter(|contact| reach.offers(contact.channel) && contact.status.receives_alerts())
        .filter(|contact| wants(preferences, contact.channel))
        .filter_map(|contact| {
            let (channel, payload) = match contact.channel {
                Channel::Email => {
                    let email = compose::notice_email(
                        language,
                        compose::notice_subject(language),
                        words(language),
                        &link,
                        compose::link_label(language),
                    );
                    (EMAIL, serde_json::to_string(&email))
                }
                Channel::Sms => {
                    let body = match language {
                        Language::Ja => format!("つなぐ：{} {link}", words(language)),
                        Language::En => format!("Tsunagu: {} {link}", words(language)),
                    };
                    let text = compose::SmsPayload {
                        body: sms::fit(&body, compose::stop_footer(language)),
                        provides: Vec::new(),
                    };
                    (SMS, serde_json::to_string(&text))
                }
                Channel::Line => {
                    let body = match language {
                        Language::Ja => format!("つなぐからお知らせがあります。{}\n{link}", words(language)),
                        Language::En => format!("Tsunagu has a notice for you. {}\n{link}", words(language)),
                    };
                    (LINE, serde_json::to_string(&compose::SmsPayload { body, provides: Vec::new() }))
                }
            };
            Some(NewMessage {
                channel,
                target_id: contact.id,
                about: Subject::ClassSession(session_id),
                person_id: None,
                party_id: Some(party.id),
                event_type: CLASS_DEADLINE,
                payload: payload.ok()?,
                priority: Priority::Normal,
            })
        })
        .collect()
}
