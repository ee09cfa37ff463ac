-- AlterTable
ALTER TABLE "ShareFile" ADD COLUMN     "name" TEXT NOT NULL DEFAULT '';
