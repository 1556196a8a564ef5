import { HttpStatus, Injectable } from '@nestjs/common';
import { AuthEventType, KycStatus } from '@prisma/client';
import { AdminAuditRepository } from '../audit/admin-audit.repository';
import { AuthRepository } from '../auth/auth.repository';
import type { ClientContext } from '../auth/client-context';
import { AppError } from '../errors/error-body';
import { EmailOutbox } from '../mail/email-outbox';
import { emails } from '../mail/templates';
import { NotificationsService } from '../notifications/notifications.service';
import { KycRepository } from './kyc.repository';
import { toKycSubmissionDto, type KycStatusDto, type KycSubmissionDto } from './kyc.dto';

/** KYC: NOT_SUBMITTED/REJECTED → PENDING by the user; PENDING → APPROVED/REJECTED by an admin. */
@Injectable()
export class KycService {
  constructor(
    private readonly repo: KycRepository,
    private readonly notifications: NotificationsService,
    private readonly audit: AuthRepository,
    private readonly adminAudit: AdminAuditRepository,
    private readonly outbox: EmailOutbox,
  ) {}

  async status(userId: string): Promise<KycStatusDto> {
    const [user, latest] = await Promise.all([this.repo.findUser(userId), this.repo.latestForUser(userId)]);
    if (!user) throw new AppError(HttpStatus.NOT_FOUND, 'USER_NOT_FOUND', 'User not found');
    return { status: user.kycStatus, latestSubmission: latest ? toKycSubmissionDto(latest, { mask: true }) : null };
  }

  async submit(userId: string, input: { documentType: string; documentNumber: string }, context: ClientContext): Promise<KycSubmissionDto> {
    const submission = await this.repo.transaction(async (tx) => {
      if (!(await this.repo.moveUserToPending(userId, tx))) return null;
      const created = await this.repo.createSubmission(userId, input.documentType, input.documentNumber, tx);
      await this.audit.recordEvent(AuthEventType.KYC_SUBMITTED, userId, context, { submissionId: created.id }, tx);
      return created;
    });
    if (!submission) {
      throw new AppError(HttpStatus.CONFLICT, 'KYC_ALREADY_SUBMITTED', 'Identity verification is already pending or approved');
    }
    return toKycSubmissionDto(submission, { mask: true });
  }

  /** An admin's decision: updates the submission and the user, and notifies the user (in-app and by email, in the same transaction). */
  async decide(submissionId: string, decision: 'APPROVED' | 'REJECTED', reason: string | null, reviewerId: string, context: ClientContext): Promise<KycSubmissionDto> {
    const submission = await this.repo.findById(submissionId);
    if (!submission) throw new AppError(HttpStatus.NOT_FOUND, 'KYC_SUBMISSION_NOT_FOUND', 'KYC submission not found');
    const status = decision === 'APPROVED' ? KycStatus.APPROVED : KycStatus.REJECTED;
    const message =
      status === KycStatus.APPROVED
        ? 'Your identity verification was approved.'
        : `Your identity verification was rejected. Reason: ${reason}. You can submit again.`;
    const outboxId = await this.repo.transaction(async (tx) => {
      if (!(await this.repo.decide(submissionId, status, reason, reviewerId, tx))) return null;
      await this.repo.setUserStatus(submission.userId, status, tx);
      await this.notifications.notify(submission.userId, 'Identity verification', message, tx);
      await this.audit.recordEvent(AuthEventType.KYC_DECIDED, submission.userId, context, { submissionId, status, reviewerId }, tx);
      // The admin trail outlives auth events (pruned after AUTH_EVENT_RETENTION_DAYS).
      await this.adminAudit.record(tx, {
        adminId: reviewerId,
        action: status === KycStatus.APPROVED ? 'kyc.approve' : 'kyc.reject',
        targetType: 'KycSubmission',
        targetId: submissionId,
        metadata: { userId: submission.userId, ...(reason ? { reason } : {}) },
      });
      return this.outbox.add(tx, submission.user.email, 'kyc-decision', emails.kycDecision(submission.user.name, message));
    });
    if (!outboxId) throw new AppError(HttpStatus.CONFLICT, 'KYC_ALREADY_DECIDED', 'This submission has already been decided');
    this.outbox.deliverSoon([outboxId]);
    const updated = await this.repo.findById(submissionId);
    return toKycSubmissionDto(updated!, { mask: false });
  }
}
