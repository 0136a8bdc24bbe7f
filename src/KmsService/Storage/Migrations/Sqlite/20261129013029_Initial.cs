using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KmsService.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "keys",
                columns: table => new
                {
                    Arn = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    KeyId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    AccountId = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    Region = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CreationDate = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Description = table.Column<string>(type: "TEXT", maxLength: 8192, nullable: false),
                    KeyState = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    KeyUsage = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    KeySpec = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Origin = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    KeyManager = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    DeletionDate = table.Column<DateTime>(type: "TEXT", nullable: true),
                    CurrentMaterialId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Policy = table.Column<string>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_keys", x => x.Arn);
                });

            migrationBuilder.CreateTable(
                name: "aliases",
                columns: table => new
                {
                    AccountId = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    Region = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    AliasName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    TargetKeyArn = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    CreationDate = table.Column<DateTime>(type: "TEXT", nullable: false),
                    LastUpdatedDate = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_aliases", x => new { x.AccountId, x.Region, x.AliasName });
                    table.ForeignKey(
                        name: "FK_aliases_keys_TargetKeyArn",
                        column: x => x.TargetKeyArn,
                        principalTable: "keys",
                        principalColumn: "Arn",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "backing_keys",
                columns: table => new
                {
                    KeyArn = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    MaterialId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Sequence = table.Column<int>(type: "INTEGER", nullable: false),
                    Wrapped = table.Column<byte[]>(type: "BLOB", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_backing_keys", x => new { x.KeyArn, x.MaterialId });
                    table.ForeignKey(
                        name: "FK_backing_keys_keys_KeyArn",
                        column: x => x.KeyArn,
                        principalTable: "keys",
                        principalColumn: "Arn",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "tags",
                columns: table => new
                {
                    KeyArn = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    TagKey = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    TagValue = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_tags", x => new { x.KeyArn, x.TagKey });
                    table.ForeignKey(
                        name: "FK_tags_keys_KeyArn",
                        column: x => x.KeyArn,
                        principalTable: "keys",
                        principalColumn: "Arn",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_aliases_TargetKeyArn",
                table: "aliases",
                column: "TargetKeyArn");

            migrationBuilder.CreateIndex(
                name: "IX_backing_keys_KeyArn_Sequence",
                table: "backing_keys",
                columns: new[] { "KeyArn", "Sequence" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_keys_AccountId_Region_KeyId",
                table: "keys",
                columns: new[] { "AccountId", "Region", "KeyId" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "aliases");

            migrationBuilder.DropTable(
                name: "backing_keys");

            migrationBuilder.DropTable(
                name: "tags");

            migrationBuilder.DropTable(
                name: "keys");
        }
    }
}
