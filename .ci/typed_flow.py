"""The partner flow, through a client generated from openapi/openapi.json.

The family member signs in as a person would, with an invitation the facility made, and the
generated client then carries her session cookie; a probation system gets its own token by the
OAuth client-credentials grant. Only the two sign-in doors outside the API are plain HTTP.

Every call goes through the generated functions and every answer is parsed by the generated
models (`sync_detailed(...).parsed`), so a field the document misdescribes (a null it does not
allow, a missing reference, a wrong format) fails here as it would for a partner.

Usage: typed_flow.py BASE_URL ADMIN_TOKEN TSUNAGU_BINARY   (DATABASE_URL as the server's)
"""

import datetime
import subprocess
import sys
import time

import httpx

from tsunagu_client import AuthenticatedClient, Client
from tsunagu_client.api.alerts import acknowledge_alert, list_my_alerts
from tsunagu_client.api.links import create_link, list_links
from tsunagu_client.api.me import get_me
from tsunagu_client.api.milestones import create_milestone, record_milestone_event
from tsunagu_client.api.organizations import create_organization
from tsunagu_client.api.parties import create_credential, create_invitation, create_party, get_party
from tsunagu_client.api.persons import create_person, create_placement
from tsunagu_client.api.risk import list_upcoming
from tsunagu_client.models import (
    AccountCreate,
    AlertPage,
    AlertView,
    EventCreate,
    EventRecorded,
    InvitationCreate,
    InvitationView,
    IssuedCredentialView,
    Link,
    LinkCreate,
    LinkList,
    Me,
    MilestoneCreateReleaseCreate,
    MilestoneCreateReleaseCreateKind,
    Milestone,
    Organization,
    OrganizationCreate,
    OrganizationKind,
    Party,
    PartyCreate,
    PartyRole,
    Person,
    PersonCreate,
    Placement,
    PlacementCreate,
    Relationship,
    ReleaseType,
    UpcomingList,
)


def parsed(response, model, status):
    """The answer as the generated model, after checking its status."""
    assert response.status_code == status, f"{response.status_code}: {response.content!r}"
    assert isinstance(response.parsed, model), f"not a {model.__name__}: {response.parsed!r}"
    return response.parsed


def token_for(binary, party_id):
    out = subprocess.run([binary, "token", "--party", str(party_id)], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def signed_in_with_invitation(base_url, code):
    """Redeems an invitation at /auth/invitation; a client that carries the session cookie and,
    as the service's own pages do, says where its changes come from."""
    root = base_url.removesuffix("/api/v1")
    answer = httpx.post(f"{root}/auth/invitation", json={"code": code})
    assert answer.status_code == 200, f"{answer.status_code}: {answer.text}"
    cookie = answer.cookies["tsunagu_session"]
    return Client(base_url=base_url, cookies={"tsunagu_session": cookie}, headers={"Origin": root})


def client_credentials_token(base_url, client_id, secret):
    """RFC 6749 §4.4 at /oauth/token."""
    root = base_url.removesuffix("/api/v1")
    answer = httpx.post(f"{root}/oauth/token", auth=(client_id, secret), data={"grant_type": "client_credentials"})
    assert answer.status_code == 200, f"{answer.status_code}: {answer.text}"
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600, body
    return body["access_token"]


def main():
    base_url, admin_token, binary = sys.argv[1:4]
    admin = AuthenticatedClient(base_url=base_url, token=admin_token)

    me = parsed(get_me.sync_detailed(client=admin), Me, 200)
    print(f"admin: {me.subject} ({me.role})")

    facility = parsed(
        create_organization.sync_detailed(
            client=admin, body=OrganizationCreate(kind=OrganizationKind.REHAB_FACILITY, name="Recovery house")
        ),
        Organization,
        201,
    )
    staff_party = parsed(
        create_party.sync_detailed(
            client=admin,
            body=PartyCreate(role=PartyRole.STAFF, display_name="Sato", organization_id=facility.id),
        ),
        Party,
        201,
    )
    staff = AuthenticatedClient(base_url=base_url, token=token_for(binary, staff_party.id))

    person = parsed(create_person.sync_detailed(client=admin, body=PersonCreate(display_name="Taro")), Person, 201)
    today = datetime.date.today()
    parsed(
        create_placement.sync_detailed(
            person.id, client=admin, body=PlacementCreate(organization_id=facility.id, start_on=today)
        ),
        Placement,
        201,
    )
    # Staff open a family member's account only together with the link to their own resident;
    # creating a party on its own is an admin's.
    refused = create_party.sync_detailed(
        client=staff, body=PartyCreate(role=PartyRole.FAMILY, display_name="Hanako")
    )
    assert refused.status_code == 403, refused.status_code
    link = parsed(
        create_link.sync_detailed(
            person.id,
            client=staff,
            body=LinkCreate(
                party=AccountCreate(role=PartyRole.FAMILY, display_name="Hanako"),
                relationship=Relationship.FAMILY,
            ),
        ),
        Link,
        201,
    )
    family_party = parsed(get_party.sync_detailed(link.party_id, client=admin), Party, 200)
    links = parsed(list_links.sync_detailed(person.id, client=staff), LinkList, 200)
    assert any(item.party_id == family_party.id for item in links.items), links
    print(f"family linked with scope {[kind.value for kind in link.scope]}")
    invitation = parsed(
        create_invitation.sync_detailed(family_party.id, client=staff, body=InvitationCreate()),
        InvitationView,
        201,
    )
    family = signed_in_with_invitation(base_url, invitation.code)
    me = parsed(get_me.sync_detailed(client=family), Me, 200)
    assert me.subject == str(family_party.id), me
    print("family signed in with the facility's invitation")

    office = parsed(
        create_organization.sync_detailed(
            client=admin, body=OrganizationCreate(kind=OrganizationKind.PROBATION_OFFICE, name="Probation office")
        ),
        Organization,
        201,
    )
    system_party = parsed(
        create_party.sync_detailed(
            client=admin,
            body=PartyCreate(role=PartyRole.PROBATION, display_name="Office system", organization_id=office.id),
        ),
        Party,
        201,
    )
    credential = parsed(create_credential.sync_detailed(system_party.id, client=admin), IssuedCredentialView, 201)
    system = AuthenticatedClient(
        base_url=base_url, token=client_credentials_token(base_url, credential.client_id, credential.client_secret)
    )
    me = parsed(get_me.sync_detailed(client=system), Me, 200)
    assert me.role == PartyRole.PROBATION, me
    print("the probation system has its own token")

    release = parsed(
        create_milestone.sync_detailed(
            person.id,
            client=staff,
            body=MilestoneCreateReleaseCreate(
                kind=MilestoneCreateReleaseCreateKind.RELEASE, scheduled_on=today, release_type=ReleaseType.FULL_TERM
            ),
        ),
        Milestone,
        201,
    )
    upcoming = parsed(list_upcoming.sync_detailed(person.id, client=family, days=200), UpcomingList, 200)
    projected = [item.label for item in upcoming.items if item.projected]
    assert "closes_on" in projected, f"the projected window is shown before the release: {projected}"

    recorded = parsed(
        record_milestone_event.sync_detailed(release.id, client=staff, body=EventCreate(event="release", on=today)),
        EventRecorded,
        201,
    )
    assert recorded.milestone.state == "released"
    upcoming = parsed(list_upcoming.sync_detailed(person.id, client=family, days=200), UpcomingList, 200)
    labels = {item.label for item in upcoming.items}
    assert "after_release_critical" in labels, labels
    print(f"family sees {len(upcoming.items)} items ahead: {sorted(labels)}")

    # The server's scheduler plans and delivers each tick; the critical period has begun.
    deadline = time.monotonic() + 60
    alerts = []
    while time.monotonic() < deadline:
        page = parsed(list_my_alerts.sync_detailed(client=family), AlertPage, 200)
        alerts = page.items
        if alerts:
            break
        time.sleep(1)
    assert alerts, "the family received an alert about the critical weeks after release"
    acknowledged = parsed(acknowledge_alert.sync_detailed(alerts[0].id, client=family), AlertView, 200)
    assert acknowledged.acknowledged_at is not None
    print(f"family acknowledged {acknowledged.rule}: the typed flow passed")


if __name__ == "__main__":
    main()
