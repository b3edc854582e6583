# Accord's policy decision point, written independently in Rego as the second reference
# oracle (tests/policy/test_policy_rego.py, bench/policy.py); it mirrors accord.cedar rule
# for rule. Rego has no national classification schemes, so the harness precomputes only
# the translation (GSOMIA Art. 4): the item's rank in the reader's scheme
# (input.resource.rank_in_reader_scheme, or input.resource.no_equivalent) and which
# alternative label is in the reader's scheme (input.resource.has_alt, alt_*).
# Every rule below is encoded here, not precomputed.
#
# input.principal {role, nationality, clearance_rank, ntk, purposes}
# input.action    "read" | "create" | "release" | "copy" | "translate" | "destroy" | "downgrade" | "export"
#                 or a duty about the node's own records: "read-journal" | "acknowledge-alarm" | "report-to-oversight" | "administer"
# input.resource  {originator_party, held_party, purpose, no_equivalent, rank_in_reader_scheme,
#                  orig_rel, orig_ntk, orig_controls, has_alt, alt_rel, alt_ntk, alt_controls,
#                  consented, consent_purposes, onward_forbidden}
# input.context   {has_target, target, has_consent, consent_party, has_agreement, agreement_in_force,
#                  agreement_parties}
#
# A duty has no item: its input.resource is {"records": true} and its context empty, and only
# the role table applies (every item rule below is guarded by `item`).
#
# `allow` is the decision; `deny` is the set of the ids of the failing rules, the same ids
# as Accord's Decision.rule_ids (docs/policy.md).

package accord

import rego.v1

default allow := false

allow if count(deny) == 0

releases := {"release", "export"}

originator_actions := {"create", "downgrade"}

# ---- role table (DESIGN.md §2; Art. 7) ----
role_permits if {
	input.principal.role == "analyst"
	input.action in {"read", "create"}
}

role_permits if input.principal.role == "officer"

role_permits if {
	input.principal.role == "authority"
	input.action == "read"
}

# ---- duties about the node's own records (input.resource {"records": true}), by role alone ----
role_permits if {
	input.action == "read-journal"
	input.principal.role in {"authority", "auditor"}
}

role_permits if {
	input.action == "acknowledge-alarm"
	input.principal.role == "authority"
}

role_permits if {
	input.action == "report-to-oversight"
	input.principal.role == "authority"
}

role_permits if {
	input.action == "administer"
	input.principal.role == "authority"
}

deny contains "role" if not role_permits

# The node's people, partners, agreements and keys: the authority's alone (not the officer's).
deny contains "role" if {
	input.action == "administer"
	input.principal.role != "authority"
}

item if not input.resource.records

# ---- Art. 4: the item must have an equivalent in the reader's scheme ----
deny contains "equivalence" if {
	item
	input.resource.no_equivalent
}

# ---- Art. 7: clearance >= the item's level, in the reader's scheme ----
deny contains "clearance" if {
	item
	not input.resource.no_equivalent
	input.principal.clearance_rank < input.resource.rank_in_reader_scheme
}

# ---- Art. 6: Releasable To (permissive; the originator's nationals always) ----
deny contains "nationality" if {
	item
	input.principal.nationality != input.resource.originator_party
	not input.principal.nationality in input.resource.consented
	not input.principal.nationality in input.resource.orig_rel
}

deny contains "nationality" if {
	item
	input.resource.has_alt
	input.principal.nationality != input.resource.originator_party
	not input.principal.nationality in input.resource.consented
	not input.principal.nationality in input.resource.alt_rel
}

# ---- Art. 7: Need To Know (restrictive: every topic of every binding label) ----
deny contains "need-to-know" if {
	item
	some topic in input.resource.orig_ntk
	not topic in input.principal.ntk
}

deny contains "need-to-know" if {
	item
	input.resource.has_alt
	some topic in input.resource.alt_ntk
	not topic in input.principal.ntk
}

# ---- Art. 6: purpose of provision ----
purpose_limited if "PURPOSE-LIMITED" in input.resource.orig_controls

purpose_limited if {
	input.resource.has_alt
	"PURPOSE-LIMITED" in input.resource.alt_controls
}

deny contains "purpose" if {
	item
	purpose_limited
	not input.resource.purpose in input.principal.purposes
}

# ---- Art. 6: a consent for one purpose binds every use of the holding ----
deny contains "consent-purpose" if {
	item
	some purpose in input.resource.consent_purposes
	not purpose in input.principal.purposes
}

# ---- Arts. 2, 6: only the originator creates or downgrades ----
deny contains "originator-only" if {
	item
	input.action in originator_actions
	input.resource.originator_party != input.resource.held_party
}

# ---- Art. 6: a release names its receiving party ----
deny contains "release-target" if {
	item
	input.action in releases
	not input.context.has_target
}

# ---- Art. 6: a third party (outside Releasable To) needs the originator's consent ----
outside_releasable if not input.context.target in input.resource.orig_rel

outside_releasable if {
	input.resource.has_alt
	not input.context.target in input.resource.alt_rel
}

deny contains "third-party" if {
	item
	input.action in releases
	input.context.has_target
	not consent_for_target
	input.context.target != input.resource.originator_party
	outside_releasable
}

consent_for_target if {
	input.context.has_consent
	input.context.consent_party == input.context.target
}

# ---- Art. 6: a consent that forbids onward release: back to the originator only ----
deny contains "onward-release" if {
	item
	input.action in releases
	input.resource.onward_forbidden
	input.context.has_target
	input.context.target != input.resource.originator_party
}

# ---- Art. 21: new exchange only under an agreement in force, with the target party ----
agreement_in_force if {
	input.context.has_agreement
	input.context.agreement_in_force
}

deny contains "agreement-in-force" if {
	item
	input.action in releases
	not agreement_in_force
}

deny contains "agreement-in-force" if {
	item
	input.action in releases
	input.context.has_agreement
	input.context.has_target
	not input.context.target in input.context.agreement_parties
}
