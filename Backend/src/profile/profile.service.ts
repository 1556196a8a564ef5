import { HttpStatus, Injectable } from '@nestjs/common';
import { AppError, invalidField } from '../errors/error-body';
import { ProfileRepository } from './profile.repository';
import { toProfileDto, type ProfileDto, type UpdateProfileDto } from './profile.dto';

const PROFILE_FIELDS = ['phone', 'addressLine1', 'addressLine2', 'city', 'postalCode', 'country'] as const;

@Injectable()
export class ProfileService {
  constructor(private readonly repo: ProfileRepository) {}

  async get(userId: string): Promise<ProfileDto> {
    const user = await this.repo.findUserWithProfile(userId);
    if (!user) throw new AppError(HttpStatus.NOT_FOUND, 'USER_NOT_FOUND', 'User not found');
    return toProfileDto(user, user.profile);
  }

  async update(userId: string, input: UpdateProfileDto): Promise<ProfileDto> {
    const profile: Record<string, string | Date | null> = {};
    for (const field of PROFILE_FIELDS) if (input[field] !== undefined) profile[field] = input[field] ?? null;
    if (input.dateOfBirth !== undefined) {
      if (input.dateOfBirth === null) profile.dateOfBirth = null;
      else {
        const date = new Date(`${input.dateOfBirth}T00:00:00Z`);
        if (Number.isNaN(date.getTime()) || date >= new Date() || date.getUTCFullYear() < 1900) {
          throw invalidField('dateOfBirth', 'dateOfBirth must be a real date in the past');
        }
        profile.dateOfBirth = date;
      }
    }
    const user = await this.repo.update(userId, { name: input.name }, profile);
    return toProfileDto(user, user.profile);
  }
}
