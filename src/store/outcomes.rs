//! Outcome figures as aggregate queries: each measure is a set of events (an id, a person, a
//! day) counted over the persons placed at an organisation during the range, grouped by
//! organisation and by month in the database. No row about one person reaches Rust.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement, Value};
use uuid::Uuid;

use super::{Connected, Read};

use crate::domain::outcomes::Measure;

/// The few expressions SQLite and PostgreSQL write differently.
struct Dialect(DatabaseBackend);

impl Dialect {
    fn postgres(&self) -> bool {
        self.0 == DatabaseBackend::Postgres
    }

    /// The local date a timestamp falls on (UTC: stored instants are UTC).
    fn date_of(&self, column: &str) -> String {
        if self.postgres() {
            format!("CAST({column} AS DATE)")
        } else {
            format!("date({column})")
        }
    }

    fn days_after(&self, column: &str, days: i64) -> String {
        if self.postgres() {
            format!("({column} + {days})")
        } else {
            format!("date({column}, '+{days} days')")
        }
    }

    fn hours_between(&self, from: &str, to: &str) -> String {
        if self.postgres() {
            format!("(CAST(EXTRACT(EPOCH FROM ({to} - {from})) AS DOUBLE PRECISION) / 3600.0)")
        } else {
            format!("((julianday({to}) - julianday({from})) * 24.0)")
        }
    }

    fn no_organization(&self) -> &'static str {
        if self.postgres() {
            "CAST(NULL AS uuid)"
        } else {
            "NULL"
        }
    }

    /// A date written into the statement (a date we made, never a caller's text).
    fn date_literal(&self, on: NaiveDate) -> String {
        if self.postgres() {
            format!("CAST('{on}' AS DATE)")
        } else {
            format!("'{on}'")
        }
    }

    /// The n-th placeholder (from 1).
    fn placeholder(&self, n: usize) -> String {
        if self.postgres() {
            format!("${n}")
        } else {
            "?".to_owned()
        }
    }
}

/// The days a follow-up plan's "months" are counted in: a plan month is 30 days from the
/// plan's start, and 3, 6 and 12 months are 91, 182 and 365 days (the same on both databases,
/// whose month arithmetic differs).
const PLAN_MONTH_DAYS: i64 = 30;
const PLAN_MONTHS_COUNTED: i64 = 12;
/// Reached within this many days before a point, a person is not lost at it.
const NOT_LOST_WITHIN_DAYS: i64 = 62;

/// Follow-up plans whose point `days` after their start has come by `today`: an event on that
/// day; `retained` keeps only those not withdrawn by then and reached within the 62 days
/// before it (or in custody during them: out of reach, not lost).
fn follow_up_point(d: &Dialect, days: i64, retained: bool, today: NaiveDate) -> String {
    let none = d.no_organization();
    let point = d.days_after("f.starts_on", days);
    let since = d.days_after("f.starts_on", days - NOT_LOST_WITHIN_DAYS);
    let today = d.date_literal(today);
    let kept = if retained {
        format!(
            " AND NOT EXISTS (SELECT 1 FROM follow_up_check_ins w WHERE w.plan_id = f.id                AND w.outcome = 'withdrew' AND w.\"on\" <= {point})              AND (EXISTS (SELECT 1 FROM follow_up_check_ins r WHERE r.plan_id = f.id AND r.outcome = 'reached'                AND r.\"on\" <= {point} AND r.\"on\" >= {since})              OR EXISTS (SELECT 1 FROM custody_periods c WHERE c.person_id = f.person_id                AND c.started_on <= {point} AND (c.ended_on IS NULL OR c.ended_on >= {since})))"
        )
    } else {
        String::new()
    };
    format!(
        "SELECT f.id AS item, f.person_id, {point} AS day, {none} AS org FROM follow_up_plans f          WHERE {point} <= {today}{kept}"
    )
}

/// Each of a plan's first twelve 30-day months that has ended by `today`, not after the person
/// withdrew and not overlapping custody: an event on its last day; `reached` keeps those with
/// a check-in that reached the person within it.
fn follow_up_months(d: &Dialect, reached: bool, today: NaiveDate) -> String {
    let none = d.no_organization();
    let today = d.date_literal(today);
    // An id per plan and month: SQLite keeps a UUID as bytes, PostgreSQL as its own type.
    let item = if d.postgres() { "CAST(f.id AS TEXT)" } else { "hex(f.id)" };
    (1..=PLAN_MONTHS_COUNTED)
        .map(|k| {
            let first = d.days_after("f.starts_on", PLAN_MONTH_DAYS * (k - 1));
            let last = d.days_after("f.starts_on", PLAN_MONTH_DAYS * k - 1);
            let contact = if reached {
                format!(
                    " AND EXISTS (SELECT 1 FROM follow_up_check_ins r WHERE r.plan_id = f.id                        AND r.outcome = 'reached' AND r.\"on\" >= {first} AND r.\"on\" <= {last})"
                )
            } else {
                String::new()
            };
            format!(
                "SELECT {item} || '-{k}' AS item, f.person_id, {last} AS day, {none} AS org FROM follow_up_plans f                  WHERE {last} <= {today}                  AND NOT EXISTS (SELECT 1 FROM follow_up_check_ins w WHERE w.plan_id = f.id                    AND w.outcome = 'withdrew' AND w.\"on\" < {first})                  AND NOT EXISTS (SELECT 1 FROM custody_periods c WHERE c.person_id = f.person_id                    AND c.started_on <= {last} AND (c.ended_on IS NULL OR c.ended_on > {first})){contact}"
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

/// The events a measure counts: `item`, `person_id`, `day`, and `org` when the event belongs
/// to one organisation (a team alert), else no organisation. `today` bounds what has happened.
fn events(measure: Measure, d: &Dialect, today: NaiveDate) -> Option<String> {
    let none = d.no_organization();
    let transitions = |kind: &str, condition: &str| {
        format!(
            "SELECT e.id AS item, e.person_id, e.effective_on AS day, {none} AS org FROM milestone_events e \
             WHERE e.kind = '{kind}' AND {condition}"
        )
    };
    let critical = "a.severity = 'critical' AND a.team_organization_id IS NOT NULL AND a.status = 'delivered' \
                    AND a.escalation_of IS NULL";
    let contact_day = d.date_of("c.recorded_at");
    Some(match measure {
        Measure::PersonsSupported | Measure::MedianHoursToAcknowledge | Measure::MedianDaysToFirstMeeting => {
            return None
        }
        // A referral counts for the facility that made it, while the person is placed there.
        Measure::ReferralsMade => {
            "SELECT r.id AS item, r.person_id, r.referred_on AS day, r.from_organization_id AS org FROM referrals r"
                .to_owned()
        }
        Measure::ReferralsAccepted => "SELECT s.id AS item, r.person_id, s.\"on\" AS day, r.from_organization_id AS org \
             FROM referral_events s JOIN referrals r ON r.id = s.referral_id WHERE s.event = 'accept'"
            .to_owned(),
        // Connected (the first meeting held) within 30 days of the acceptance: a meeting missed
        // and arranged again still counts when the one held falls within them.
        Measure::ReferralsConnectedWithin30Days => format!(
            "SELECT c.id AS item, r.person_id, c.\"on\" AS day, r.from_organization_id AS org \
             FROM referral_events c JOIN referrals r ON r.id = c.referral_id \
             JOIN referral_events a ON a.referral_id = c.referral_id AND a.event = 'accept' \
             WHERE c.event = 'connect' AND c.\"on\" <= {}",
            d.days_after("a.\"on\"", 30)
        ),
        Measure::PersonsInFollowUp => {
            format!("SELECT f.id AS item, f.person_id, f.starts_on AS day, {none} AS org FROM follow_up_plans f")
        }
        Measure::FollowUpMonths => follow_up_months(d, false, today),
        Measure::FollowUpMonthsReached => follow_up_months(d, true, today),
        Measure::FollowUpAt3Months => follow_up_point(d, 91, false, today),
        Measure::RetainedAt3Months => follow_up_point(d, 91, true, today),
        Measure::FollowUpAt6Months => follow_up_point(d, 182, false, today),
        Measure::RetainedAt6Months => follow_up_point(d, 182, true, today),
        Measure::FollowUpAt12Months => follow_up_point(d, 365, false, today),
        Measure::RetainedAt12Months => follow_up_point(d, 365, true, today),
        Measure::WindowsUsed => transitions("employment_support_window", "e.to_state = 'used' AND e.from_state <> 'used'"),
        Measure::WindowsExpiredUnused => {
            transitions("employment_support_window", "e.to_state = 'expired' AND e.from_state <> 'expired'")
        }
        Measure::ProgrammesCompleted => {
            transitions("program_enrollment", "e.to_state = 'completed' AND e.from_state <> 'completed'")
        }
        Measure::ProgrammesDroppedOut => {
            transitions("program_enrollment", "e.to_state = 'dropped_out' AND e.from_state <> 'dropped_out'")
        }
        Measure::ProgrammesReEnrolled => transitions("program_enrollment", "e.event = 're_enroll'"),
        Measure::CriticalAlerts => format!(
            "SELECT a.id AS item, a.person_id, a.starts_on AS day, a.team_organization_id AS org FROM alerts a WHERE {critical}"
        ),
        Measure::CriticalAlertsAcknowledgedWithin48h => format!(
            "SELECT a.id AS item, a.person_id, a.starts_on AS day, a.team_organization_id AS org FROM alerts a \
             WHERE {critical} AND a.acknowledged_at IS NOT NULL AND {} <= 48",
            d.hours_between("a.delivered_at", "a.acknowledged_at")
        ),
        Measure::ContactsLoggedInCriticalPeriods => format!(
            "SELECT c.id AS item, a.person_id, {contact_day} AS day, a.team_organization_id AS org \
             FROM alert_contacts c JOIN alerts a ON a.id = c.alert_id \
             WHERE {critical} AND {contact_day} >= a.starts_on AND {contact_day} <= a.ends_on"
        ),
        Measure::LinksKeptThroughCustody => format!(
            "SELECT l.id AS item, cp.person_id, cp.ended_on AS day, {none} AS org \
             FROM custody_periods cp JOIN links l ON l.person_id = cp.person_id \
             WHERE cp.ended_on IS NOT NULL AND {} <= cp.ended_on \
             AND (l.revoked_at IS NULL OR {} > cp.ended_on) AND (l.expires_at IS NULL OR {} > cp.ended_on)",
            d.date_of("l.created_at"),
            d.date_of("l.revoked_at"),
            d.date_of("l.expires_at")
        ),
        Measure::LapsesFollowedByContactWithin14Days => format!(
            "SELECT lp.id AS item, lp.person_id, lp.\"on\" AS day, {none} AS org FROM lapses lp \
             WHERE EXISTS (SELECT 1 FROM alert_contacts c JOIN alerts a ON a.id = c.alert_id \
             WHERE a.person_id = lp.person_id AND {contact_day} >= lp.\"on\" AND {contact_day} <= {})",
            d.days_after("lp.\"on\"", 14)
        ),
    })
}

/// A count and the persons behind it.
pub type Tally = (i64, i64);

/// A labelled span of days that figures are grouped by (a month, a quarter).
#[derive(Debug, Clone)]
pub struct Bucket {
    pub label: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

/// A measure's tallies, each under the organisation it belongs to (`None`: all together) and
/// the label of its bucket (empty for the whole range).
pub type Figures = HashMap<(Option<Uuid>, String), Tally>;

/// Whose figures: one organisation's, or everyone's.
#[derive(Debug, Clone, Copy)]
pub enum Over {
    Organization(Uuid),
    Everyone,
}

struct Query<'a> {
    db: &'a dyn sea_orm::ConnectionTrait,
    d: Dialect,
    from: NaiveDate,
    to: NaiveDate,
    over: Over,
}

impl Query<'_> {
    /// `SELECT [org], [bucket], count, persons` over the events of `raw` within the range and
    /// cohort, grouped by organisation when `by_org` and by which of `buckets` (disjoint) the
    /// day falls in when there are any.
    async fn grouped(
        &self,
        raw: &str,
        by_org: bool,
        buckets: &[Bucket],
    ) -> Result<Vec<(Option<Uuid>, String, Tally)>, DbErr> {
        let d = &self.d;
        let mut values: Vec<Value> = vec![self.to.into(), self.from.into(), self.from.into(), self.to.into()];
        let mut organization = String::new();
        if let Over::Organization(id) = self.over {
            values.push(id.into());
            organization = format!(" AND p.organization_id = {}", d.placeholder(5));
        }
        // Each bucket by its index: the labels never enter the statement.
        let bucket = if buckets.is_empty() {
            "0".to_owned()
        } else {
            let arms: String = buckets
                .iter()
                .enumerate()
                .map(|(index, b)| {
                    format!(
                        " WHEN x.day >= {} AND x.day <= {} THEN {index}",
                        d.date_literal(b.first),
                        d.date_literal(b.last)
                    )
                })
                .collect();
            format!("CASE{arms} ELSE -1 END")
        };
        let mut group = Vec::new();
        if by_org {
            group.push("org_id");
        }
        if !buckets.is_empty() {
            group.push("bucket");
        }
        let select: String = group.iter().map(|column| format!("{column}, ")).collect();
        let group_by = if group.is_empty() { String::new() } else { format!(" GROUP BY {}", group.join(", ")) };
        let sql = format!(
            "SELECT {select}COUNT(*) AS n, COUNT(DISTINCT person_id) AS persons FROM (\
               SELECT DISTINCT x.item, x.person_id, p.organization_id AS org_id, x.day, {bucket} AS bucket \
               FROM ({raw}) x JOIN placements p ON p.person_id = x.person_id \
                 AND p.start_on <= {p1} AND (p.end_on IS NULL OR p.end_on >= {p2}) \
                 AND (x.org IS NULL OR x.org = p.organization_id) \
               WHERE x.day >= {p3} AND x.day <= {p4}{organization}\
             ) e{group_by}",
            p1 = d.placeholder(1),
            p2 = d.placeholder(2),
            p3 = d.placeholder(3),
            p4 = d.placeholder(4),
        );
        let rows = self.db.query_all(Statement::from_sql_and_values(self.d.0, sql, values)).await?;
        let mut tallies = Vec::new();
        for row in &rows {
            let org = if by_org { Some(row.try_get::<Uuid>("", "org_id")?) } else { None };
            let label = if buckets.is_empty() {
                String::new()
            } else {
                let index = row.try_get::<i32>("", "bucket")?;
                match usize::try_from(index).ok().and_then(|index| buckets.get(index)) {
                    Some(bucket) => bucket.label.clone(),
                    None => continue,
                }
            };
            tallies.push((org, label, (row.try_get::<i64>("", "n")?, row.try_get::<i64>("", "persons")?)));
        }
        Ok(tallies)
    }

    /// In all and by organisation, over the whole range and over each partition's buckets.
    async fn figures(&self, raw: &str, partitions: &[Vec<Bucket>]) -> Result<Figures, DbErr> {
        let mut figures = Figures::new();
        for buckets in std::iter::once(&Vec::new()).chain(partitions) {
            for by_org in [false, true] {
                for (org, label, tally) in self.grouped(raw, by_org, buckets).await? {
                    figures.insert((org, label), tally);
                }
            }
        }
        Ok(figures)
    }
}

/// Every counted measure's tallies over `[from, to]` for the persons placed at any time in
/// it, in all and over each bucket of each partition (each a set of disjoint spans inside
/// the range).
pub async fn figures(
    db: &impl Read,
    (from, to): (NaiveDate, NaiveDate),
    today: NaiveDate,
    partitions: &[Vec<Bucket>],
    over: Over,
) -> Result<HashMap<Measure, Figures>, DbErr> {
    let query = Query { db: db.conn(), d: Dialect(db.backend()), from, to, over };
    let mut all = HashMap::new();
    for &measure in Measure::ALL {
        if let Some(raw) = events(measure, &query.d, today) {
            all.insert(measure, query.figures(&raw, partitions).await?);
        }
    }
    all.insert(Measure::PersonsSupported, supported(&query, partitions).await?);
    Ok(all)
}

/// Persons placed during the range, and during each bucket of it (a bucket counts whoever was
/// placed at any time in it): the placements overlapping the span, as events on its first day.
async fn supported(query: &Query<'_>, partitions: &[Vec<Bucket>]) -> Result<Figures, DbErr> {
    let mut figures = Figures::new();
    let whole = Bucket { label: String::new(), first: query.from, last: query.to };
    for bucket in std::iter::once(&whole).chain(partitions.iter().flatten()) {
        let span = Query { db: query.db, d: Dialect(query.d.0), from: bucket.first, to: bucket.last, over: query.over };
        let raw = format!(
            "SELECT p0.id AS item, p0.person_id, {first_day} AS day, p0.organization_id AS org FROM placements p0 \
             WHERE p0.start_on <= {last_day} AND (p0.end_on IS NULL OR p0.end_on >= {first_day})",
            first_day = span.d.date_literal(bucket.first),
            last_day = span.d.date_literal(bucket.last),
        );
        for by_org in [false, true] {
            for (org, _, tally) in span.grouped(&raw, by_org, &[]).await? {
                figures.insert((org, bucket.label.clone()), tally);
            }
        }
    }
    Ok(figures)
}

/// The median days from a referral to its first meeting held (the referral connected on a day
/// in the range), for the referrals the organisation made (or everyone's), and the persons
/// behind it; `None` when none connected.
pub async fn median_days_to_meeting(
    db: &impl Read,
    from: NaiveDate,
    to: NaiveDate,
    over: Over,
) -> Result<(Option<f64>, i64), DbErr> {
    let d = Dialect(db.backend());
    let days = if d.postgres() {
        "CAST((c.\"on\" - r.referred_on) AS DOUBLE PRECISION)".to_owned()
    } else {
        "(julianday(c.\"on\") - julianday(r.referred_on))".to_owned()
    };
    let mut values: Vec<Value> = vec![from.into(), to.into()];
    let mut organization = String::new();
    if let Over::Organization(id) = over {
        values.push(id.into());
        organization = format!(" AND r.from_organization_id = {}", d.placeholder(3));
    }
    let connected = format!(
        "SELECT c.id, r.person_id, {days} AS h FROM referral_events c JOIN referrals r ON r.id = c.referral_id \
         WHERE c.event = 'connect' AND c.\"on\" >= {p1} AND c.\"on\" <= {p2}{organization}",
        p1 = d.placeholder(1),
        p2 = d.placeholder(2),
    );
    median_of(db, &d, &connected, values).await
}

/// The median of `h` over the rows of `rows` (`id`, `person_id`, `h`), and the persons behind
/// it. Two queries: how many, then the middle one or two in order.
async fn median_of(db: &impl Read, d: &Dialect, rows: &str, values: Vec<Value>) -> Result<(Option<f64>, i64), DbErr> {
    let counted = db
        .conn()
        .query_one(Statement::from_sql_and_values(
            d.0,
            format!("SELECT COUNT(*) AS n, COUNT(DISTINCT person_id) AS persons FROM ({rows}) x"),
            values.clone(),
        ))
        .await?;
    let (n, persons) = match counted {
        Some(row) => (row.try_get::<i64>("", "n")?, row.try_get::<i64>("", "persons")?),
        None => (0, 0),
    };
    if n == 0 {
        return Ok((None, 0));
    }
    let middle = format!("SELECT h FROM ({rows}) x ORDER BY h LIMIT {} OFFSET {}", 2 - n % 2, (n - 1) / 2);
    let found = db.conn().query_all(Statement::from_sql_and_values(d.0, middle, values)).await?;
    let values = found.iter().map(|row| row.try_get::<f64>("", "h")).collect::<Result<Vec<f64>, _>>()?;
    let median = (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
    Ok((median, persons))
}

/// The median hours from delivery to acknowledgement of the critical team alerts about the
/// cohort's persons whose period starts in the range, and the persons behind it; `None`
/// when none was acknowledged. Two queries: how many, then the middle one or two in order.
pub async fn median_hours(
    db: &impl Read,
    from: NaiveDate,
    to: NaiveDate,
    over: Over,
) -> Result<(Option<f64>, i64), DbErr> {
    let d = Dialect(db.backend());
    let hours = d.hours_between("a.delivered_at", "a.acknowledged_at");
    let mut values: Vec<Value> = vec![to.into(), from.into(), from.into(), to.into()];
    let mut organization = String::new();
    if let Over::Organization(id) = over {
        values.push(id.into());
        organization = format!(" AND a.team_organization_id = {}", d.placeholder(5));
    }
    let acknowledged = format!(
        "SELECT DISTINCT a.id, a.person_id, {hours} AS h FROM alerts a JOIN placements p ON p.person_id = a.person_id \
           AND p.organization_id = a.team_organization_id \
           AND p.start_on <= {p1} AND (p.end_on IS NULL OR p.end_on >= {p2}) \
         WHERE a.severity = 'critical' AND a.status = 'delivered' AND a.escalation_of IS NULL \
           AND a.acknowledged_at IS NOT NULL AND a.starts_on >= {p3} AND a.starts_on <= {p4}{organization}",
        p1 = d.placeholder(1),
        p2 = d.placeholder(2),
        p3 = d.placeholder(3),
        p4 = d.placeholder(4),
    );
    median_of(db, &d, &acknowledged, values).await
}
