use crate::entity::party;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::{new_id, page, Page, PageRequest};
use super::{Connected, Declares, Read, Write};
use crate::cache::Changed;
use crate::domain::{
    channels::{parse_digest_at, Channel, ContactStatus, EmailPreference, LinePreference, Preferences, SmsPreference},
    format_clock_time, DisplayName, Language, PartyRole, QuietHours, Zone,
};

pub struct NewParty {
    pub role: PartyRole,
    pub display_name: DisplayName,
    pub organization_id: Option<Uuid>,
    pub language: Language,
    pub zone: Zone,
    pub quiet_hours: Option<QuietHours>,
    /// For a `person` party: the person they are.
    pub person_id: Option<Uuid>,
    /// The organisation whose staff created the party for one of its residents.
    pub opened_by_organization_id: Option<Uuid>,
}

#[derive(Default)]
pub struct PartyChanges {
    pub display_name: Option<DisplayName>,
    pub language: Option<Language>,
    pub zone: Option<Zone>,
    /// `Some(None)` clears the quiet hours.
    pub quiet_hours: Option<Option<QuietHours>>,
    /// `Some(true)` disables the party (every token refused), `Some(false)` enables it again.
    pub disabled: Option<bool>,
}

fn quiet_hours_columns(quiet: Option<QuietHours>) -> (Option<String>, Option<String>) {
    match quiet {
        Some(quiet) => (Some(format_clock_time(quiet.start())), Some(format_clock_time(quiet.end()))),
        None => (None, None),
    }
}

pub async fn insert(db: &impl Write, new: NewParty, now: DateTime<Utc>) -> Result<party::Model, DbErr> {
    let (quiet_start, quiet_end) = quiet_hours_columns(new.quiet_hours);
    let row = party::ActiveModel {
        id: Set(new_id()),
        role: Set(new.role),
        display_name: Set(new.display_name.into_inner()),
        organization_id: Set(new.organization_id),
        language: Set(new.language),
        timezone: Set(new.zone),
        quiet_hours_start: Set(quiet_start),
        quiet_hours_end: Set(quiet_end),
        person_id: Set(new.person_id),
        disabled_at: Set(None),
        email_preference: Set(EmailPreference::default()),
        line_preference: Set(LinePreference::default()),
        sms_preference: Set(SmsPreference::default()),
        digest_at: Set(format_clock_time(Preferences::default().digest_at)),
        email_detail: Set(false),
        opened_by_organization_id: Set(new.opened_by_organization_id),
        first_signed_in_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db.conn())
    .await?;
    db.declare([Changed::Party(row.id)]).await;
    Ok(row)
}

/// Notes a party's first sign-in; later ones leave the first as it was.
pub async fn signed_in(db: &impl Write, id: Uuid, now: DateTime<Utc>) -> Result<(), DbErr> {
    use sea_orm::{sea_query::Expr, ColumnTrait, QueryFilter};
    party::Entity::update_many()
        .col_expr(party::Column::FirstSignedInAt, Expr::value(now))
        .filter(party::Column::Id.eq(id))
        .filter(party::Column::FirstSignedInAt.is_null())
        .exec(db.conn())
        .await?;
    db.declare([Changed::Party(id)]).await;
    Ok(())
}

pub async fn find(db: &impl Read, id: Uuid) -> Result<Option<party::Model>, DbErr> {
    party::Entity::find_by_id(id).one(db.conn()).await
}

pub async fn find_many(db: &impl Read, ids: &[Uuid]) -> Result<Vec<party::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    super::readable_by_ids::<party::Entity>(db, party::Column::Id, ids).await
}

pub async fn list(db: &impl Read, request: PageRequest) -> Result<Page<party::Model>, DbErr> {
    page(db.conn(), party::Entity::find(), party::Column::Id, request, |row| row.id).await
}

/// The parties of one organisation, a page at a time.
pub async fn of_organization(
    db: &impl Read,
    organization_id: Uuid,
    request: PageRequest,
) -> Result<Page<party::Model>, DbErr> {
    let query = party::Entity::find().filter(party::Column::OrganizationId.eq(organization_id));
    page(db.conn(), query, party::Column::Id, request, |row| row.id).await
}

/// The most staff a rota's choices list: more than any facility employs.
const MOST_STAFF: u64 = 500;

/// An organisation's staff (disabled ones too), by name.
pub async fn staff_of(db: &impl Read, organization_id: Uuid) -> Result<Vec<party::Model>, DbErr> {
    party::Entity::find()
        .filter(party::Column::OrganizationId.eq(organization_id))
        .filter(party::Column::Role.eq(PartyRole::Staff.as_str()))
        .order_by_asc(party::Column::DisplayName)
        .order_by_asc(party::Column::Id)
        .limit(MOST_STAFF)
        .all(db.conn())
        .await
}

/// Every party of these roles, oldest first.
pub async fn of_roles(db: &impl Read, roles: &[PartyRole]) -> Result<Vec<party::Model>, DbErr> {
    party::Entity::find()
        .filter(party::Column::Role.is_in(roles.iter().map(|role| role.as_str())))
        .order_by_asc(party::Column::Id)
        .all(db.conn())
        .await
}

pub async fn update(
    db: &impl Write,
    existing: party::Model,
    changes: PartyChanges,
    now: DateTime<Utc>,
) -> Result<party::Model, DbErr> {
    let mut row = existing.into_active_model();
    if let Some(name) = changes.display_name {
        row.display_name = Set(name.into_inner());
    }
    if let Some(language) = changes.language {
        row.language = Set(language);
    }
    if let Some(zone) = changes.zone {
        row.timezone = Set(zone);
    }
    if let Some(quiet) = changes.quiet_hours {
        let (start, end) = quiet_hours_columns(quiet);
        row.quiet_hours_start = Set(start);
        row.quiet_hours_end = Set(end);
    }
    if let Some(disabled) = changes.disabled {
        row.disabled_at = Set(disabled.then_some(now));
    }
    row.updated_at = Set(now);
    let row = row.update(db.conn()).await?;
    db.declare([Changed::Party(row.id)]).await;
    Ok(row)
}

/// The party that is this person, if one exists.
pub async fn find_for_person(db: &impl Read, person_id: Uuid) -> Result<Option<party::Model>, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};
    party::Entity::find().filter(party::Column::PersonId.eq(person_id)).one(db.conn()).await
}

/// A party's quiet hours as stored; corrupt values are reported, not guessed.
pub fn quiet_hours_of(party: &party::Model) -> Result<Option<QuietHours>, super::Corrupt> {
    match (&party.quiet_hours_start, &party.quiet_hours_end) {
        (Some(start), Some(end)) => {
            QuietHours::parse(start, end).map(Some).map_err(|why| super::Corrupt::new("quiet hours", party.id, why))
        }
        _ => Ok(None),
    }
}

/// A party's channel preferences as stored; corrupt values are reported, not guessed.
pub fn preferences_of(party: &party::Model) -> Result<Preferences, super::Corrupt> {
    Ok(Preferences {
        email: party.email_preference,
        sms: party.sms_preference,
        line: party.line_preference,
        digest_at: parse_digest_at(&party.digest_at)
            .map_err(|why| super::Corrupt::new("digest time", party.id, why))?,
        email_detail: party.email_detail,
    })
}

pub async fn set_preferences(
    db: &impl Write,
    existing: party::Model,
    preferences: Preferences,
    now: DateTime<Utc>,
) -> Result<party::Model, DbErr> {
    let mut row = existing.into_active_model();
    row.email_preference = Set(preferences.email);
    row.sms_preference = Set(preferences.sms);
    row.line_preference = Set(preferences.line);
    row.digest_at = Set(format_clock_time(preferences.digest_at));
    row.email_detail = Set(preferences.email_detail);
    row.updated_at = Set(now);
    let row = row.update(db.conn()).await?;
    db.declare([Changed::Party(row.id)]).await;
    Ok(row)
}

/// Parties who take a daily digest and have a confirmed e-mail address to take it at, a page
/// at a time by id.
pub async fn digest_readers(db: &impl Read, after: Option<Uuid>, limit: u64) -> Result<Vec<party::Model>, DbErr> {
    use crate::entity::contact_point;
    use sea_orm::{sea_query::Query, ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    let reachable = Query::select()
        .column(contact_point::Column::PartyId)
        .from(contact_point::Entity)
        .and_where(contact_point::Column::Channel.eq(Channel::Email.as_str()))
        .and_where(contact_point::Column::Status.eq(ContactStatus::Confirmed.as_str()))
        .to_owned();
    let mut query = party::Entity::find()
        .filter(party::Column::EmailPreference.eq(EmailPreference::Digest.as_str()))
        .filter(party::Column::DisabledAt.is_null())
        .filter(party::Column::Id.in_subquery(reachable));
    if let Some(after) = after {
        query = query.filter(party::Column::Id.gt(after));
    }
    query.order_by_asc(party::Column::Id).limit(limit).all(db.conn()).await
}

/// Whether any admin account exists (disabled or not): the first start's set-up link is for
/// a service with none.
pub async fn any_admin(db: &impl Read) -> Result<bool, DbErr> {
    Ok(party::Entity::find().filter(party::Column::Role.eq(PartyRole::Admin.as_str())).one(db.conn()).await?.is_some())
}
