import { Inject, Injectable } from '@nestjs/common';
import { MODELS } from './models.token.js';
import { isDuplicateKeyError, type Models, type RefreshTokenDoc } from './schemas.js';

@Injectable()
export class RefreshTokensRepository {
  constructor(@Inject(MODELS) private readonly models: Models) {}

  async create(token: Omit<RefreshTokenDoc, 'usedAt'>): Promise<void> {
    await this.models.refreshTokens.create({ ...token, usedAt: null });
  }

  async findById(id: string): Promise<RefreshTokenDoc | null> {
    return this.models.refreshTokens.findById(id).lean();
  }

  /**
   * Spends the token. Returns false when it was spent or revoked before. The insert of a
   * use-record keyed by the token id is the atomic step: of two concurrent refreshes exactly one
   * insert succeeds. (A conditional updateOne is atomic on MongoDB but not on FerretDB.)
   */
  async markUsed(id: string): Promise<boolean> {
    const usedAt = new Date();
    try {
      await this.models.refreshTokenUses.create({ _id: id, usedAt });
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
    await this.models.refreshTokens.updateOne({ _id: id }, { $set: { usedAt } });
    return true;
  }

  /**
   * A reused token means it leaked: every token of its family stops working, including any a
   * rotation in flight is issuing right now (rotation checks isFamilyRevoked after spending).
   */
  async revokeFamily(familyId: string): Promise<void> {
    try {
      await this.models.revokedRefreshFamilies.create({ _id: familyId, revokedAt: new Date() });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  async isFamilyRevoked(familyId: string): Promise<boolean> {
    return (await this.models.revokedRefreshFamilies.exists({ _id: familyId })) !== null;
  }
}
