-- Full-text search: tsvectors the database keeps up to date itself, in the "simple"
-- configuration (no stemming, no stop words), since conversations come in every language.
-- Prisma cannot express generated columns, so the schema declares them as Unsupported("tsvector").
ALTER TABLE "Conversation" ADD COLUMN "titleSearch" tsvector
  GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, "title")) STORED;

ALTER TABLE "Message" ADD COLUMN "contentSearch" tsvector
  GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, "content")) STORED;

-- CreateTable
CREATE TABLE "ShareFile" (
    "shareId" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,

    CONSTRAINT "ShareFile_pkey" PRIMARY KEY ("shareId","sha256")
);

-- CreateTable
CREATE TABLE "FileUpload" (
    "ownerId" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FileUpload_pkey" PRIMARY KEY ("ownerId","sha256")
);

-- CreateIndex
CREATE INDEX "ShareFile_sha256_idx" ON "ShareFile"("sha256");

-- CreateIndex
CREATE INDEX "FileUpload_sha256_idx" ON "FileUpload"("sha256");

-- CreateIndex
CREATE INDEX "Conversation_titleSearch_idx" ON "Conversation" USING GIN ("titleSearch");

-- CreateIndex
CREATE INDEX "Message_contentSearch_idx" ON "Message" USING GIN ("contentSearch");

-- AddForeignKey
ALTER TABLE "ShareFile" ADD CONSTRAINT "ShareFile_shareId_fkey" FOREIGN KEY ("shareId") REFERENCES "Share"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ShareFile" ADD CONSTRAINT "ShareFile_sha256_fkey" FOREIGN KEY ("sha256") REFERENCES "File"("sha256") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FileUpload" ADD CONSTRAINT "FileUpload_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FileUpload" ADD CONSTRAINT "FileUpload_sha256_fkey" FOREIGN KEY ("sha256") REFERENCES "File"("sha256") ON DELETE RESTRICT ON UPDATE CASCADE;
