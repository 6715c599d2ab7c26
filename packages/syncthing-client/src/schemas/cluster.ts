import { z } from 'zod';
import { dict, timestamp } from './common.js';

/** `GET /rest/cluster/pending/devices`: device ID → who knocked and from where. */
export const PendingDevicesSchema = dict(
  z.looseObject({ time: timestamp, name: z.string().optional(), address: z.string().optional() }),
);
export type PendingDevices = z.infer<typeof PendingDevicesSchema>;

/** One offer of a pending folder. */
export const PendingFolderOfferSchema = z.looseObject({
  time: timestamp,
  label: z.string().optional(),
  receiveEncrypted: z.boolean().optional(),
  remoteEncrypted: z.boolean().optional(),
});
export type PendingFolderOffer = z.infer<typeof PendingFolderOfferSchema>;

/** `GET /rest/cluster/pending/folders`: folder ID → offering device ID → offer. */
export const PendingFoldersSchema = dict(
  z.looseObject({ offeredBy: dict(PendingFolderOfferSchema) }),
);
export type PendingFolders = z.infer<typeof PendingFoldersSchema>;
