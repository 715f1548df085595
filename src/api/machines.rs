use poem_openapi::{payload::Json, Object, OpenApi};

use super::{ApiTags, Authenticated};
use crate::{
    domain::milestones::{Machine, MilestoneKind},
    http::ApiError,
};

/// `from` --`event`--> `to`.
#[derive(Debug, Object)]
pub struct TransitionView {
    pub from: String,
    pub event: String,
    pub to: String,
}

/// One milestone kind's state machine: the very table the service runs on.
#[derive(Debug, Object)]
pub struct MachineView {
    pub kind: String,
    pub initial: String,
    pub states: Vec<String>,
    /// States that accept no further event.
    pub final_states: Vec<String>,
    pub transitions: Vec<TransitionView>,
}

#[derive(Debug, Object)]
pub struct MachineList {
    pub items: Vec<MachineView>,
}

fn view(machine: &Machine) -> MachineView {
    MachineView {
        kind: machine.kind.as_str().to_owned(),
        initial: machine.initial.as_str().to_owned(),
        states: machine.states.iter().map(|state| state.as_str().to_owned()).collect(),
        final_states: machine
            .states
            .iter()
            .filter(|state| machine.is_final(**state))
            .map(|state| state.as_str().to_owned())
            .collect(),
        transitions: machine
            .transitions
            .iter()
            .map(|t| TransitionView {
                from: t.from.as_str().to_owned(),
                event: t.event.as_str().to_owned(),
                to: t.to.as_str().to_owned(),
            })
            .collect(),
    }
}

pub struct MachinesApi;

#[OpenApi(tag = "ApiTags::Milestones")]
impl MachinesApi {
    /// The milestone state machines
    ///
    /// Every kind's states, events and transitions, as the service applies them. Holds no
    /// person's data; any signed-in caller may read it.
    #[oai(path = "/milestone-kinds", method = "get", operation_id = "listMilestoneKinds")]
    async fn list(&self, _auth: Authenticated) -> Result<Json<MachineList>, ApiError> {
        Ok(Json(MachineList { items: MilestoneKind::ALL.iter().map(|kind| view(Machine::for_kind(*kind))).collect() }))
    }
}
