//! What the SMS gateway's signed callbacks change: a text to our number (STOP, START) and a
//! receipt for a text we sent. Each callback is acted on once: it is remembered in the same
//! transaction as its change, so a replay of a captured one (a START after a STOP) or the
//! gateway's own retry changes nothing.

use crate::entity::contact_point;
use chrono::Duration;
use uuid::Uuid;

use super::WorkflowError;
use crate::{
    auth::capability_hash,
    domain::channels::{sms::Keyword, Channel, ContactAddress, ContactStatus},
    state::AppState,
    store::{self, outbox::SMS},
};

/// How long after sending a text its receipts are taken: the gateway settles a message within
/// hours, so a receipt older than this is a replay.
pub const RECEIPTS_TAKEN_FOR_DAYS: i64 = 30;

const TEXT: &str = "text:";
const RECEIPT: &str = "receipt:";

/// The key a callback is remembered by: its kind and a hash of what makes it one.
fn key(kind: &str, what: &str) -> String {
    format!("{kind}{}", capability_hash(what))
}

/// What a text to our number did.
pub enum TextReceived {
    /// Acted on: the addresses it came from (for HELP's answer), and how many team alerts a
    /// 「了解」 acknowledged.
    Acted { contacts: Vec<contact_point::Model>, acknowledged: usize, talked: bool },
    /// This text was acted on before; nothing changed.
    Replayed,
}

/// What a text to our number asks: STOP opts that number out everywhere it is kept (and only
/// that number), START brings back the addresses it stopped, 「了解」 or OK acknowledges the
/// open team alerts texted to it. `message_id` is the gateway's id
/// of the text; a text seen before changes nothing.
pub async fn text_received(
    state: &AppState,
    message_id: &str,
    from: &str,
    keyword: Keyword,
) -> Result<TextReceived, WorkflowError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    if !store::callbacks::first_time(&txn, &key(TEXT, message_id), now).await? {
        return Ok(TextReceived::Replayed);
    }
    let contacts = match ContactAddress::parse(Channel::Sms, from) {
        Ok(number) => store::contact_points::with_number(&txn, number.as_str()).await?,
        Err(_) => Vec::new(),
    };
    let mut acknowledged = 0;
    let mut talked = false;
    match keyword {
        Keyword::Stop => {
            let ids: Vec<Uuid> = contacts.iter().map(|contact| contact.id).collect();
            store::contact_points::set_status(&txn, &ids, ContactStatus::OptedOut, now).await?;
            for id in &ids {
                store::outbox::drop_pending_of_target(&txn, *id).await?;
            }
        }
        Keyword::Start => {
            // Only what STOP stopped comes back: an unconfirmed number stays unconfirmed.
            let ids: Vec<Uuid> = contacts
                .iter()
                .filter(|contact| contact.status == ContactStatus::OptedOut && contact.confirmed_at.is_some())
                .map(|contact| contact.id)
                .collect();
            store::contact_points::set_status(&txn, &ids, ContactStatus::Confirmed, now).await?;
        }
        Keyword::Ack => acknowledged = super::on_duty::acknowledge_by_text(&txn, &contacts, now).await?,
        // A confirmed number of the person's own account asks for a call.
        Keyword::Talk => {
            for contact in contacts.iter().filter(|contact| contact.status == ContactStatus::Confirmed) {
                let party = store::parties::find(&txn, contact.party_id).await?;
                let person = party.filter(|p| p.role == crate::domain::PartyRole::Person && p.disabled_at.is_none());
                if let Some(person_id) = person.and_then(|party| party.person_id) {
                    super::follow_up::talk_in(&txn, person_id, now).await?;
                    talked = true;
                }
            }
        }
        Keyword::Help | Keyword::Other => {}
    }
    txn.commit().await?;
    Ok(TextReceived::Acted { contacts, acknowledged, talked })
}

/// Keeps the gateway's word on a text it accepted. An undelivered or failed critical alert
/// that reached its recipient on no other channel goes to the facility team. The same status
/// of the same text is taken once, and only within [`RECEIPTS_TAKEN_FOR_DAYS`] of sending.
pub async fn receipt_received(
    state: &AppState,
    provider_id: &str,
    status: store::outbox::Receipt,
    error_code: Option<String>,
) -> Result<bool, WorkflowError> {
    let now = state.clock.now();
    let Some(message) = store::outbox::find_by_provider_id(&state.db, SMS, provider_id).await? else {
        return Ok(false);
    };
    if message.created_at < now - Duration::days(RECEIPTS_TAKEN_FOR_DAYS) {
        return Ok(false);
    }
    let txn = state.db.begin().await?;
    if !store::callbacks::first_time(&txn, &key(RECEIPT, &format!("{provider_id} {status}")), now).await? {
        return Ok(false);
    }
    store::outbox::set_receipt(&txn, message.id, status, error_code.clone(), now).await?;
    if error_code.as_deref().and_then(|code| code.parse::<i64>().ok()) == Some(crate::outbox::GATEWAY_OPTED_OUT) {
        store::contact_points::set_status(&txn, &[message.target_id], ContactStatus::OptedOut, now).await?;
    }
    if matches!(status, store::outbox::Receipt::Undelivered | store::outbox::Receipt::Failed) {
        crate::outbox::escalate_if_unreached(&txn, message.alert_id, now).await?;
    }
    txn.commit().await?;
    Ok(true)
}

/// Forgets the receipts remembered longer than they are taken; texts are remembered for good
/// (one short row each), so a captured START never undoes a STOP however late it comes.
pub async fn forget_old_receipts(state: &AppState) -> Result<u64, WorkflowError> {
    let before = state.clock.now() - Duration::days(RECEIPTS_TAKEN_FOR_DAYS + 1);
    Ok(store::callbacks::forget_before(&state.db, RECEIPT, before).await?)
}
