"""The key split t-of-n: shares of the RFC 9497 key give the RFC's outputs through any t trustees."""

from itertools import combinations

import pytest
from vigil_client import voprf
from vigil_client.threshold import (
    CommitmentError,
    Share,
    combine,
    deal,
    feldman_commitment,
    interpolate_commitments,
    joint_public_key,
    lagrange_coefficients,
    reshare,
    reshare_combine,
    reshare_commitments,
    split,
    verify_commitments,
)

from tests.rfc_vectors import RFC_PUBLIC, RFC_SECRET, VOPRF


def unhex(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(value) for value in values]


def rebuild(shares: list[Share]) -> int:
    weights = lagrange_coefficients([share.index for share in shares])
    return sum(weights[s.index] * voprf.deserialize_scalar(s.secret) for s in shares) % voprf.ORDER


def evaluate_with(shares: list[Share], blinded: list[bytes]) -> list[bytes]:
    """Each share evaluates with its own proof, the proof is checked against its commitment, then combined."""
    partials = {}
    for share in shares:
        evaluated, proof = voprf.SingleKeyEvaluator(share.secret).blind_evaluate_batch(blinded)
        voprf.verify_proof(share.commitment, blinded, evaluated, proof)
        partials[share.index] = evaluated
    return combine(partials)


SHARES = split(RFC_SECRET, threshold=2, count=3)


@pytest.mark.parametrize("vector", VOPRF["vectors"], ids=lambda vector: vector["name"])
@pytest.mark.parametrize("pair", list(combinations(range(3), 2)), ids=lambda pair: f"trustees {pair}")
def test_every_pair_of_a_2_of_3_split_gives_the_rfc_evaluations_and_outputs(vector: dict, pair: tuple) -> None:
    inputs, blinds = unhex(vector["Input"]), unhex(vector["Blind"])
    _, blinded = voprf.blind(inputs, blinds=blinds)
    assert blinded == unhex(vector["BlindedElement"])

    evaluated = evaluate_with([SHARES[i] for i in pair], blinded)

    assert evaluated == unhex(vector["EvaluationElement"])
    assert voprf.finalize_oprf(inputs, blinds, evaluated) == unhex(vector["Output"])


def test_the_commitments_of_a_split_interpolate_to_the_public_key_from_any_two() -> None:
    commitments = {share.index: share.commitment for share in SHARES}
    for pair in combinations(commitments, 2):
        assert interpolate_commitments({j: commitments[j] for j in pair}) == RFC_PUBLIC
    verify_commitments(RFC_PUBLIC, commitments, threshold=2)


def test_commitments_off_the_polynomial_are_refused() -> None:
    commitments = {share.index: share.commitment for share in SHARES}
    with pytest.raises(CommitmentError, match="share 3"):
        verify_commitments(RFC_PUBLIC, {**commitments, 3: commitments[1]}, threshold=2)
    with pytest.raises(CommitmentError, match="public key"):
        verify_commitments(voprf.generate_key_pair()[1], commitments, threshold=2)


def test_one_share_of_a_2_of_3_split_is_not_the_key_and_gives_another_output() -> None:
    vector = VOPRF["vectors"][0]
    inputs, blinds = unhex(vector["Input"]), unhex(vector["Blind"])
    _, blinded = voprf.blind(inputs, blinds=blinds)
    for share in SHARES:
        assert share.secret != RFC_SECRET
        alone = voprf.SingleKeyEvaluator(share.secret).blind_evaluate_batch(blinded)[0]
        assert voprf.finalize_oprf(inputs, blinds, alone) != unhex(vector["Output"])
        # Weighted as if it were the whole quorum, it is still not the key's evaluation.
        assert combine({share.index: alone}) != unhex(vector["EvaluationElement"])


def test_a_wrong_partial_evaluation_fails_its_share_proof() -> None:
    blinded = voprf.blind([b"wallet:btc:1BoatSLRHtKNngkdXEeobR76b53LETtpyT"])[1]
    honest, proof = voprf.SingleKeyEvaluator(SHARES[0].secret).blind_evaluate_batch(blinded)
    lying = voprf.SingleKeyEvaluator(SHARES[1].secret).blind_evaluate_batch(blinded)[0]
    voprf.verify_proof(SHARES[0].commitment, blinded, honest, proof)
    with pytest.raises(voprf.ProofError):
        voprf.verify_proof(SHARES[0].commitment, blinded, lying, proof)


@pytest.mark.parametrize(("threshold", "count"), [(1, 1), (2, 2), (3, 5), (5, 5)])
def test_any_threshold_of_shares_rebuilds_the_key_and_fewer_do_not(threshold: int, count: int) -> None:
    shares = split(RFC_SECRET, threshold=threshold, count=count)
    key = voprf.deserialize_scalar(RFC_SECRET)
    for subset in combinations(shares, threshold):
        assert rebuild(list(subset)) == key
    if threshold > 1:
        assert all(rebuild(list(subset)) != key for subset in combinations(shares, threshold - 1))


def test_splits_are_fresh_each_time() -> None:
    assert split(RFC_SECRET, threshold=2, count=3) != split(RFC_SECRET, threshold=2, count=3)


@pytest.mark.parametrize(("threshold", "count"), [(0, 3), (4, 3)])
def test_a_threshold_outside_one_to_n_is_refused(threshold: int, count: int) -> None:
    with pytest.raises(ValueError, match="threshold"):
        split(RFC_SECRET, threshold=threshold, count=count)


def test_resharing_2_of_3_into_3_of_4_keeps_the_key_and_every_output() -> None:
    holders = [SHARES[0], SHARES[2]]  # trustee 2 leaves; trustees 1 and 3 re-share to four new ones
    sent = [reshare(share, holders=[1, 3], threshold=3, count=4) for share in holders]
    new = [reshare_combine(index, [subs[index - 1] for subs, _ in sent]) for index in range(1, 5)]

    # Each new trustee checks its sub-shares against the holders' public coefficient commitments,
    # and derives every new commitment from them: together they must give the old public key.
    for subs, committed in sent:
        assert all(feldman_commitment(committed, sub.index) == sub.commitment for sub in subs)
    commitments = reshare_commitments([committed for _, committed in sent], count=4)
    assert commitments == {share.index: share.commitment for share in new}
    verify_commitments(RFC_PUBLIC, commitments, threshold=3)
    vector = VOPRF["vectors"][1]
    inputs, blinds = unhex(vector["Input"]), unhex(vector["Blind"])
    _, blinded = voprf.blind(inputs, blinds=blinds)
    for trio in combinations(new, 3):
        assert evaluate_with(list(trio), blinded) == unhex(vector["EvaluationElement"])
    assert {share.secret for share in new}.isdisjoint({share.secret for share in SHARES})


def test_a_key_generated_jointly_by_three_trustees_evaluates_as_the_single_key_no_one_held() -> None:
    dealt = [deal(threshold=2, count=3) for _ in range(3)]  # each trustee deals; no one chooses the key
    shares = [reshare_combine(index, [subs[index - 1] for subs, _ in dealt]) for index in range(1, 4)]
    for subs, committed in dealt:
        assert all(feldman_commitment(committed, sub.index) == sub.commitment for sub in subs)
    public_key = joint_public_key([committed for _, committed in dealt])
    commitments = reshare_commitments([committed for _, committed in dealt], count=3)
    assert commitments == {share.index: share.commitment for share in shares}
    verify_commitments(public_key, commitments, threshold=2)

    # Only here, to check the arithmetic, is the key rebuilt: any two shares evaluate as it would.
    key = voprf.serialize_scalar(rebuild(shares[:2]))
    assert voprf.SingleKeyEvaluator(key).public_key == public_key
    _, blinded = voprf.blind([b"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", b"another address"])
    single, _ = voprf.SingleKeyEvaluator(key).blind_evaluate_batch(blinded)
    for pair in combinations(shares, 2):
        assert evaluate_with(list(pair), blinded) == single


def test_a_dealt_sub_share_off_its_dealers_commitments_is_caught() -> None:
    subs, committed = deal(threshold=2, count=3)
    other, _ = deal(threshold=2, count=3)
    assert feldman_commitment(committed, 2) == subs[1].commitment
    assert feldman_commitment(committed, 2) != other[1].commitment
