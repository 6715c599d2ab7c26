import * as z from 'zod/mini';
import { dict, timestamp } from './common.js';

/** `GET /rest/cluster/pending/devices`: device ID → who knocked and from where. */
export const PendingDevicesSchema = dict(
  z.looseObject({
    time: timestamp,
    name: z.optional(z.string()),
    address: z.optional(z.string()),
  }),
);
export type PendingDevices = z.infer<typeof PendingDevicesSchema>;

/** One offer of a pending folder. */
export const PendingFolderOfferSchema = z.looseObject({
  time: timestamp,
  label: z.optional(z.string()),
  receiveEncrypted: z.optional(z.boolean()),
  remoteEncrypted: z.optional(z.boolean()),
});
export type PendingFolderOffer = z.infer<typeof PendingFolderOfferSchema>;

/** `GET /rest/cluster/pending/folders`: folder ID → offering device ID → offer. */
export const PendingFoldersSchema = dict(
  z.looseObject({ offeredBy: dict(PendingFolderOfferSchema) }),
);
export type PendingFolders = z.infer<typeof PendingFoldersSchema>;
