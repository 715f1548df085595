use poem_openapi::param::Query;
use uuid::Uuid;

use crate::store::PageRequest;

pub const DEFAULT_PAGE_SIZE: u64 = 50;
pub const MAX_PAGE_SIZE: u64 = 200;

pub fn page_request(cursor: Query<Option<Uuid>>, limit: Query<Option<u64>>) -> PageRequest {
    PageRequest { after: cursor.0, limit: limit.0.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE) }
}
