"""What the hub keeps of a shared record: public keys, wrapped keys and ciphertext, never a key or an address."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.organisations.models import ApiKey, Membership, Organisation

PUBLIC_KEY_LENGTH = 64  # hex of an X25519 public key
KEY_CHECK_LENGTH = 32
WRAPPED_KEY_MAX_LENGTH = 200  # base64 of 32 + 32 + 16 bytes is 108 characters
ENTRY_MAX_LENGTH = 8192  # base64 of an entry padded to 256-byte blocks: a few hundred characters in practice


class Record(models.Model):
    organisation = models.OneToOneField(Organisation, on_delete=models.PROTECT, related_name="record")
    generation = models.PositiveIntegerField(default=1, help_text="The record key generation new entries use.")
    rotation_required = models.BooleanField(
        default=False, help_text="A member left: a key holder must rotate the record key before anything is written."
    )
    created_at = models.DateTimeField(default=timezone.now)
    rotated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"record of {self.organisation} (generation {self.generation})"


class KeyGeneration(models.Model):
    """One record key's commitment: a member who unwraps a grant checks the key against it."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="generations")
    generation = models.PositiveIntegerField()
    key_check = models.CharField(max_length=KEY_CHECK_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["generation"]
        constraints = [
            models.UniqueConstraint(fields=["record", "generation"], name="records_one_check_per_generation")
        ]

    def __str__(self) -> str:
        return f"generation {self.generation} of {self.record}"


class MemberKind(models.TextChoices):
    PERSON = "person", "Person"
    CLIENT = "client", "Client (API key)"
    RECOVERY = "recovery", "Recovery kit"


class RecordMember(models.Model):
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="members")
    kind = models.CharField(max_length=16, choices=MemberKind.choices)
    membership = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.PROTECT)
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.PROTECT)
    public_key = models.CharField(max_length=PUBLIC_KEY_LENGTH)
    # A person's private key under Argon2id(passphrase); clients keep theirs on their own disk.
    wrapped_private_key = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"], condition=Q(removed_at__isnull=True), name="records_one_member_per_person"
            ),
            models.UniqueConstraint(
                fields=["api_key"], condition=Q(removed_at__isnull=True), name="records_one_member_per_api_key"
            ),
            models.UniqueConstraint(
                fields=["record"], condition=Q(kind="recovery"), name="records_one_recovery_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} member of {self.record}"


class WrappedKey(models.Model):
    """One generation's record key sealed to one member's public key."""

    member = models.ForeignKey(RecordMember, on_delete=models.CASCADE, related_name="keys")
    generation = models.PositiveIntegerField()
    wrapped_key = models.CharField(max_length=WRAPPED_KEY_MAX_LENGTH)
    granted_by = models.ForeignKey(
        RecordMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="grants_made"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["generation"]
        constraints = [models.UniqueConstraint(fields=["member", "generation"], name="records_one_wrap_per_generation")]

    def __str__(self) -> str:
        return f"generation {self.generation} sealed to {self.member}"


class Entry(models.Model):
    """One token's entry, found by (organisation, key id, token); its content is ciphertext only."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="entries")
    key_id = models.CharField(max_length=16)
    token = models.CharField(max_length=64)
    generation = models.PositiveIntegerField()
    ciphertext = models.TextField(max_length=ENTRY_MAX_LENGTH)
    written_by = models.ForeignKey(RecordMember, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "key_id", "token"], name="records_one_entry_per_token")
        ]
        indexes = [models.Index(fields=["record", "generation"], name="records_entry_generation")]

    def __str__(self) -> str:
        return f"entry {self.key_id}/{self.token[:8]} of {self.record}"
