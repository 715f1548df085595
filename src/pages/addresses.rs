//! Everyone's own addresses: whoever is signed in (staff, a family member, a lawyer, the
//! person) sees the e-mail addresses and phone numbers they hold and in what state, adds one,
//! has a confirmation sent again, removes one, and chooses which alerts go where. A confirmed
//! address is also how they sign in again with a one-time code, without an admin.

use minijinja::{context, Value};
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Query},
    Request, Response,
};

use super::{
    frame::{failed, html, signed_in, viewer_frame, Failure, Viewer},
    resident::Done,
    staff::Shown,
    words,
};
use crate::{
    domain::{
        channels::{Channel, ContactAddress, ContactStatus, EmailPreference, LinePreference, SmsPreference},
        format_clock_time, Language,
    },
    state::AppState,
    store,
};

/// `GET /app/addresses`; `done` names what the last form stored, for the notice.
#[handler]
pub async fn addresses_page(req: &Request, state: Data<&AppState>, done: Query<Done>) -> Response {
    let viewer = match signed_in(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let notice = done.0.done.as_deref().and_then(|done| notice(done, viewer.language));
    addresses(req, &state, &viewer, StatusCode::OK, Shown { notice, ..Shown::default() }).await
}

/// The page, with a refused form to show again (and its status).
pub async fn addresses(req: &Request, state: &AppState, viewer: &Viewer, status: StatusCode, shown: Shown) -> Response {
    match gather(state, viewer).await {
        Ok(context) => {
            let title = match viewer.language {
                Language::Ja => "連絡先と受け取り方",
                Language::En => "Your addresses and alerts",
            };
            let shown = context! { problem => shown.problem, posted => shown.posted, notice => shown.notice };
            html(status, "addresses.html", context! { ..viewer_frame(req, viewer, title), ..shown, ..context })
        }
        Err(err) => failed(err),
    }
}

/// What a form stored, in words: `done` is a code the form redirected with, never text.
fn notice(done: &str, language: Language) -> Option<String> {
    let (ja, en) = match done {
        "added" => (
            "連絡先を追加しました。届いた確認のリンクを開いてください",
            "the address; open the confirmation sent to it",
        ),
        "resent" => ("確認をもう一度送りました", "the confirmation was sent again"),
        "removed" => ("連絡先を削除しました", "the address was removed"),
        "preferences" => ("受け取り方を変えました", "how alerts reach you"),
        _ => return None,
    };
    Some(words::stored(if language == Language::Ja { ja } else { en }, language))
}

async fn gather(state: &AppState, viewer: &Viewer) -> Result<Value, Failure> {
    let language = viewer.language;
    let pick = |ja: &'static str, en: &'static str| match language {
        Language::Ja => ja,
        Language::En => en,
    };
    let contacts_held = store::contact_points::of_party(&state.reads, viewer.party.id).await?;
    let contacts: Vec<Value> = contacts_held
        .iter()
        .map(|contact| {
            let status = Some(contact.status);
            let waiting = matches!(status, Some(ContactStatus::Unconfirmed | ContactStatus::Unsubscribed));
            let line = contact.channel == Channel::Line;
            let status = status.map(|status| match status {
                ContactStatus::Confirmed if line => {
                    pick("つながっています（お知らせが届きます）", "Linked: alerts reach it")
                }
                ContactStatus::OptedOut if line => pick(
                    "受け取りを止めています（「停止」かブロック）",
                    "Stopped: you sent STOP or blocked the account",
                ),
                ContactStatus::Unconfirmed => {
                    pick("確認待ち（届いたリンクを開いてください）", "Waiting: open the link sent to it")
                }
                ContactStatus::Confirmed => {
                    pick("確認済み（お知らせとサインインに使えます）", "Confirmed: alerts and sign-in")
                }
                ContactStatus::Unsubscribed => pick("受け取りを止めています", "You stopped e-mail to it"),
                ContactStatus::OptedOut => pick("受け取りを止めています（STOP）", "You texted STOP"),
                ContactStatus::Bouncing => pick("届かなくなっています", "Messages to it keep failing"),
            });
            let channel = match Ok::<_, ()>(contact.channel) {
                Ok(Channel::Email) => pick("メール", "E-mail"),
                Ok(Channel::Sms) => pick("SMS（携帯電話）", "Text message"),
                Ok(Channel::Line) => "LINE",
                Err(_) => "",
            };
            let address = ContactAddress::shown(contact.channel, &contact.address);
            context! { id => contact.id, address => address, channel => channel, status => status, waiting => waiting }
        })
        .collect();
    let channels: Vec<Value> = super::words::typed_channels(&state.outbox.reach, language);
    let preferences = store::parties::preferences_of(&viewer.party)?;
    let email_choices: Vec<Value> = EmailPreference::ALL
        .iter()
        .map(|choice| match choice {
            EmailPreference::Immediate => {
                words::option("immediate", pick("お知らせのたびに", "Each alert as it comes"))
            }
            EmailPreference::Digest => {
                words::option("digest", pick("1日1回まとめて（緊急のものはすぐ）", "Once a day (urgent ones at once)"))
            }
            EmailPreference::Off => words::option("off", pick("受け取らない", "None")),
        })
        .collect();
    let sms_choices: Vec<Value> = SmsPreference::ALL
        .iter()
        .map(|choice| match choice {
            SmsPreference::Critical => words::option("critical", pick("緊急のものだけ", "Urgent ones only")),
            SmsPreference::All => words::option("all", pick("すべて", "All")),
            SmsPreference::Off => words::option("off", pick("受け取らない", "None")),
        })
        .collect();
    let line_choices: Vec<Value> = LinePreference::ALL
        .iter()
        .map(|choice| match choice {
            LinePreference::Immediate => words::option("immediate", pick("お知らせのたびに", "Each alert as it comes")),
            LinePreference::Critical => words::option("critical", pick("緊急のものだけ", "Urgent ones only")),
            LinePreference::Off => words::option("off", pick("受け取らない", "None")),
        })
        .collect();
    let line_linked = contacts_held.iter().any(|contact| contact.channel == Channel::Line);
    Ok(context! {
        contacts => contacts, channels => channels,
        email_choices => email_choices, sms_choices => sms_choices, line_choices => line_choices,
        line_offered => state.outbox.reach.offers(Channel::Line), line_linked => line_linked,
        line => preferences.line.as_str(),
        email => preferences.email.as_str(), sms => preferences.sms.as_str(),
        digest_at => format_clock_time(preferences.digest_at), email_detail => preferences.email_detail,
    })
}
